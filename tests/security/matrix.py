"""The authorisation matrix: every route of the app, what each role gets.

Every rule of ``app.url_map`` must have an entry here (tests/security/test_matrix.py fails otherwise),
so a new route cannot ship without someone deciding who may use it.

Expectations: LOGIN = a 303 to the log-in page (anonymous); OK = 200, 204 or 303 and no log-in redirect
(the action was allowed); a number = exactly that status (403 forbidden, 404 hidden, 400 refused input).
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from cocreate.auth.throttle import unlock_token
from tests import factories
from tests.security.world import ROLES, World, held_rating_id

LOGIN = "login"
OK = "ok"

Expect = dict[str, str | int]


def everyone(**overrides) -> Expect:
    return {role: OK for role in ROLES} | overrides


def signed_in(**overrides) -> Expect:
    return everyone(anonymous=LOGIN) | overrides


def team(*allowed: str) -> Expect:
    """Only these roles of company A; other signed-in users 403."""
    expect: Expect = {role: 403 for role in ROLES} | {"anonymous": LOGIN}
    return expect | {role: OK for role in allowed}


AMBASSADORS = team("marketing", "owner")  # ambassadors.manage
MANAGE = team("product", "owner")      # product.manage and idea.moderate
OWNER = team("owner")                  # company.manage
AUTHOR = team("author")                # the author's own comment
AUTHOR_OR_TEAM = team("author", "product", "owner")  # an idea before the team answered
CUSTOMERS = signed_in(product=403, marketing=403, owner=403)  # ratings: not by the product's own team
ADDRESSEE: Expect = {role: 404 for role in ROLES} | {"anonymous": LOGIN, "customer": OK}  # invited: the customer


def _link(purpose: str) -> Callable[[World], str]:
    paths = {"verify": "/email/confirm/", "reset": "/password/reset/", "login": "/login/email/"}
    return lambda w: paths[purpose] + (w.links[purpose] if isinstance(w, World) else "probe")


LINK_HOLDER: Expect = {role: 403 for role in ROLES} | {"anonymous": OK, "customer": OK}  # signed in elsewhere: 403


def _unlock_path(w: World) -> str:
    """The customer's unlock link (signed, so made in the app; test_matrix probes paths without one)."""
    return f"/login/unlock/{unlock_token(w.users['customer']) if isinstance(w, World) else 'probe'}"


@dataclass
class Case:
    endpoint: str
    method: str
    path: Callable[[World], str]
    expect: Expect
    data: Callable[[World, str], dict] = field(default=lambda w, role: {})

    @property
    def id(self) -> str:
        return f"{self.method} {self.endpoint}"


def _p(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/p/{w.product.slug}{suffix}"


def _idea(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/p/{w.product.slug}/ideas/{w.idea.id}{suffix}"


def _comment(suffix: str) -> Callable[[World], str]:
    return lambda w: f"/p/{w.product.slug}/ideas/{w.idea.id}/comments/{w.comment.id}{suffix}"


def _tp(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/p/{w.product.slug}/touchpoints/{w.touchpoint.id}{suffix}"


def _c(suffix: str) -> Callable[[World], str]:
    return lambda w: f"/c/{w.company.slug}{suffix}"


def _const(path: str) -> Callable[[World], str]:
    return lambda w: path


def _upload(w: World, role: str) -> dict:
    from tests.security.world import PNG

    return {"image": (io.BytesIO(PNG), "dot.png"), "alt": f"By {role}"}


def _scores(w: World, score: str = "4") -> dict:
    return {f"tp_{t.id}": score for t in w.product.touchpoints if t.active}


def _thresholds(w: World, role: str) -> dict:
    return {"min_raters": "8", "good_enough": "6.5", "good": "8", "good_weakest": "7", "excellent": "9",
            "excellent_weakest": "8", "promises_kept": "90", "response_hours": "48", "blind_spot_gap": "2",
            "min_touchpoint_ratings": "3", "negative_share": "10", "miss_response_hours": "24"}


TODAY = date.today().isoformat()

# The JSON API never accepts the session cookie (it has no CSRF protection): every role gets 401.
API_SESSION: Expect = {role: 401 for role in ROLES}
API_ROUTES = [
    ("api.products_list", "GET", "/api/v1/products"),
    ("api.product", "GET", "/api/v1/products/rocket"),
    ("api.versions", "GET", "/api/v1/products/rocket/versions"),
    ("api.ratings", "GET", "/api/v1/products/rocket/ratings"),
    ("api.stage_history", "GET", "/api/v1/products/rocket/stage-history"),
    ("api.product_maturity", "GET", "/api/v1/products/rocket/maturity"),
    ("api.misses", "GET", "/api/v1/products/rocket/misses"),
    ("api.board", "GET", "/api/v1/board"),
    ("api.touchpoints", "GET", "/api/v1/products/rocket/touchpoints"),
    ("api.rating_comments", "GET", "/api/v1/products/rocket/rating-comments"),
    ("api.promise_ledger", "GET", "/api/v1/products/rocket/promises"),
    ("api.journey_map", "GET", "/api/v1/products/rocket/journey?raters=first"),
    ("api.ideas_list", "GET", "/api/v1/products/rocket/ideas"),
    ("api.ideas_create", "POST", "/api/v1/products/rocket/ideas"),
    ("api.idea", "GET", "/api/v1/ideas/1"),
    ("api.vote", "PUT", "/api/v1/ideas/1/vote"),
    ("api.vote", "DELETE", "/api/v1/ideas/1/vote"),
    ("api.comments", "GET", "/api/v1/ideas/1/comments"),
    ("api.comments_create", "POST", "/api/v1/ideas/1/comments"),
    ("api.status", "POST", "/api/v1/ideas/1/status"),
]

CASES: list[Case] = [
    # --- Public pages: everyone, anonymous included ---------------------------------------------------------
    Case("main.index", "GET", _const("/"), everyone()),
    Case("i18n.choose", "POST", _const("/language"), everyone(), lambda w, role: {"locale": "nl", "next": "/"}),
    Case("products.index", "GET", _const("/products"), everyone()),
    Case("maturity.board", "GET", _const("/board"), everyone()),
    Case("companies.show", "GET", _c(""), everyone()),
    Case("maturity.company_board", "GET", _c("/board"), everyone()),
    Case("products.show", "GET", _p(), everyone()),
    Case("ideas.index", "GET", _p("/ideas"), everyone()),
    Case("ideas.similar", "GET", _p("/ideas/similar?title=faster"), everyone()),
    Case("ideas.roadmap", "GET", _p("/roadmap"), everyone()),
    Case("ideas.show", "GET", _idea(), everyone()),
    Case("maturity.show", "GET", _p("/maturity"), everyone()),
    # What raters wrote: the company's members only (the maturity page shows the panel to them alone).
    Case("maturity.rating_comments", "GET", _p("/maturity/comments"), team("product", "marketing", "owner")),
    Case("maturity.promise_ledger", "GET", _p("/promises/ledger"), everyone()),
    Case("maturity.journey_map", "GET", _p("/journey?raters=returning&self=1"), everyone()),
    Case("maturity.journey_map", "POST", _p("/journey"), MANAGE),
    Case("auth.public_profile", "GET", lambda w: f"/users/{w.users['author'].id}", everyone()),
    Case("static", "GET", _const("/static/css/app.css"), everyone()),
    # --- Accounts ------------------------------------------------------------------------------------------
    Case("auth.signup", "GET", _const("/signup"), everyone()),
    Case("auth.signup", "POST", _const("/signup"), everyone(),
         lambda w, role: {"name": "New Person", "email": "new.person@example.com",
                          "password": "a long and unusual passphrase"}),
    Case("auth.signup_sent", "GET", _const("/signup/sent"), everyone()),
    # The link mailed to a new address: whoever holds it makes that account and is logged in to it.
    Case("auth.confirm_signup", "GET", lambda w: f"/signup/{w.signup_token}", everyone()),
    Case("auth.confirm_signup", "POST", lambda w: f"/signup/{w.signup_token}", everyone()),
    Case("auth.login", "GET", _const("/login"), everyone()),
    Case("auth.login", "POST", _const("/login"), everyone(),
         lambda w, role: {"email": "customer@example.com", "password": factories.PASSWORD}),
    # The link of a lock's notice (mailed to the account's owner): whoever holds it lifts that account's lock.
    Case("auth.unlock", "GET", lambda w: _unlock_path(w), everyone()),
    Case("auth.unlock", "POST", lambda w: _unlock_path(w), everyone()),
    Case("auth.logout", "POST", _const("/logout"), signed_in()),
    Case("auth.profile", "GET", _const("/profile"), signed_in()),
    Case("auth.profile", "POST", _const("/profile"), signed_in(),
         lambda w, role: {"name": "Renamed", "bio": "Hello"}),
    Case("auth.change_password", "POST", _const("/profile/password"), signed_in(),
         lambda w, role: {"current": factories.PASSWORD, "new": "another long passphrase 2",
                          "confirm": "another long passphrase 2"}),
    Case("auth.export_data", "GET", _const("/profile/export"), signed_in()),
    # The address (issue 16): changing it needs the password; a new link only for one's own account.
    Case("auth.change_email", "GET", _const("/profile/email"), signed_in()),
    Case("auth.change_email", "POST", _const("/profile/email"), signed_in(),
         lambda w, role: {"email": f"{role}.moved@example.com", "password": factories.PASSWORD}),
    Case("auth.resend_verification", "POST", _const("/profile/email/resend"), signed_in()),
    # The customer's mailed links: whoever holds one may use it, except while signed in to another account.
    Case("auth.confirm_email", "GET", _link("verify"), LINK_HOLDER),
    Case("auth.confirm_email", "POST", _link("verify"), LINK_HOLDER),
    Case("auth.reset_password", "GET", _link("reset"), LINK_HOLDER),
    Case("auth.reset_password", "POST", _link("reset"), LINK_HOLDER,
         lambda w, role: {"new": "a fresh long passphrase", "confirm": "a fresh long passphrase"}),
    Case("auth.email_login", "GET", _link("login"), LINK_HOLDER),
    Case("auth.email_login", "POST", _link("login"), LINK_HOLDER),
    # Asking for a reset or sign-in link: the same answer for everyone and every address.
    Case("auth.forgot_password", "GET", _const("/password/forgot"), everyone()),
    Case("auth.forgot_password", "POST", _const("/password/forgot"), everyone(),
         lambda w, role: {"email": "customer@example.com"}),
    Case("auth.email_login_request", "GET", _const("/login/email"), everyone()),
    Case("auth.email_login_request", "POST", _const("/login/email"), everyone(),
         lambda w, role: {"email": "customer@example.com"}),
    Case("auth.link_sent", "GET", _const("/link-sent/reset"), everyone()),
    Case("auth.password_set", "GET", _const("/password/reset/done"), everyone()),
    # Single sign-on: Acme's provider does not answer in this world (tests/auth/test_sso.py signs in through a real
    # one): starting is a 502 with the reason, a callback without this browser's state a 400, for everyone.
    Case("sso.start", "GET", _const("/sso"), everyone()),
    Case("sso.login", "GET", _const("/sso/acme/login"), {role: 502 for role in ROLES}),
    Case("sso.callback", "GET", _const("/sso/acme/callback?state=x&code=y"), {role: 400 for role in ROLES}),
    Case("sso.settings", "GET", _c("/sso"), OWNER),
    # The owner changes the settings (same issuer: no round trip to the provider).
    Case("sso.settings", "POST", _c("/sso"), OWNER,
         lambda w, role: {"issuer": "http://127.0.0.1:9", "client_id": "cocreate-2", "client_secret": "",
                          "enabled": "y"}),
    Case("sso.disconnect", "POST", _c("/sso/delete"), OWNER),
    Case("auth.delete_account", "GET", _const("/profile/delete"), signed_in()),
    # The only owner of a company (Acme's owner, Rival's owner) must hand it over first: 400 with the reason.
    Case("auth.delete_account", "POST", _const("/profile/delete"), signed_in(owner=400, outsider=400),
         lambda w, role: {"password": factories.PASSWORD, "understood": "y"}),
    # --- Companies ------------------------------------------------------------------------------------------
    Case("companies.mine", "GET", _const("/companies"), signed_in()),
    Case("companies.create", "GET", _const("/companies/new"), signed_in()),
    Case("companies.create", "POST", _const("/companies/new"), signed_in(),
         lambda w, role: {"name": f"Startup of {role}"}),
    Case("companies.members", "GET", _c("/members"), OWNER),
    Case("companies.members", "POST", _c("/members"), OWNER,
         lambda w, role: {"email": "newcomer@example.com", "role": "product"}),
    Case("companies.change_role", "POST", lambda w: f"/c/{w.company.slug}/members/{w.extra.id}/role", OWNER,
         lambda w, role: {"role": "marketing"}),
    Case("companies.remove_member", "POST", lambda w: f"/c/{w.company.slug}/members/{w.extra.id}/remove", OWNER),
    # The invitation is for the customer's address: anyone else is told so (400).
    Case("companies.accept", "GET", lambda w: f"/invitations/{w.invitation_token}", signed_in()),
    Case("companies.accept", "POST", lambda w: f"/invitations/{w.invitation_token}",
         {role: 400 for role in ROLES} | {"anonymous": LOGIN, "customer": OK}),
    # Invitations by id: only for the invited address (the customer's); not there for anyone else (404).
    Case("companies.invitations", "GET", _const("/invitations"), signed_in()),
    Case("companies.accept_invitation", "POST", lambda w: f"/invitations/{w.invitation_id}/accept", ADDRESSEE),
    Case("companies.decline_invitation", "POST", lambda w: f"/invitations/{w.invitation_id}/decline", ADDRESSEE),
    Case("products.accept_invitation", "POST",
         lambda w: f"/invitations/products/{w.customer_invitation.id}/accept", ADDRESSEE),
    Case("products.decline_invitation", "POST",
         lambda w: f"/invitations/products/{w.customer_invitation.id}/decline", ADDRESSEE),
    Case("maturity.thresholds", "GET", _c("/thresholds"), OWNER),
    Case("maturity.thresholds", "POST", _c("/thresholds"), OWNER, _thresholds),
    Case("maturity.reset_thresholds", "POST", _c("/thresholds/reset"), OWNER),
    Case("maturity.hold_rules", "POST", _c("/hold-rules"), OWNER,
         lambda w, role: {"hold-new_account_days": "7", "hold-burst_ratings": "4", "hold-burst_minutes": "60",
                          "hold-network_ratings": "3", "hold-network_hours": "24"}),
    Case("maturity.release_held", "POST", _p("/maturity/release"), MANAGE,
         lambda w, role: {"rating": str(held_rating_id()), "note": "We know these customers."}),
    # --- Products and versions ------------------------------------------------------------------------------
    Case("products.create", "GET", _c("/products/new"), MANAGE),
    Case("products.create", "POST", _c("/products/new"), MANAGE,
         lambda w, role: {"name": "Second rocket", "visibility": "public"}),
    Case("products.edit", "GET", _p("/edit"), MANAGE),
    Case("products.edit", "POST", _p("/edit"), MANAGE,
         lambda w, role: {"name": "Rocket 2", "slug": w.product.slug, "tagline": "Faster", "visibility": "public"}),
    Case("products.new_version", "GET", _p("/versions/new"), MANAGE),
    Case("products.new_version", "POST", _p("/versions/new"), MANAGE,
         lambda w, role: {"label": "v2", "released_on": TODAY, "notes": "Better"}),
    Case("products.edit_version", "GET", lambda w: f"/p/{w.product.slug}/versions/{w.version.id}/edit", MANAGE),
    Case("products.edit_version", "POST", lambda w: f"/p/{w.product.slug}/versions/{w.version.id}/edit", MANAGE,
         lambda w, role: {"label": "v1.0", "released_on": w.version.released_on.isoformat()}),
    Case("products.customers", "GET", _p("/customers"), MANAGE),
    Case("products.customers", "POST", _p("/customers"), MANAGE, lambda w, role: {"email": "customer@example.com"}),
    # --- Touchpoints and self-assessment ----------------------------------------------------------------
    Case("maturity.touchpoints", "GET", _p("/touchpoints"), MANAGE),
    Case("maturity.touchpoints", "POST", _p("/touchpoints"), MANAGE,
         lambda w, role: {"name": "Packaging", "description": "The box"}),
    Case("maturity.rename_touchpoint", "POST", _tp(), MANAGE,
         lambda w, role: {"name": "First look", "description": "The first minutes"}),
    Case("maturity.move_up", "POST", _tp("/up"), MANAGE),
    Case("maturity.move_down", "POST", _tp("/down"), MANAGE),
    Case("maturity.retire", "POST", _tp("/retire"), MANAGE),
    Case("maturity.restore", "POST", _tp("/restore"), MANAGE),
    Case("maturity.self_assessment_current", "GET", _p("/self-assessment"), MANAGE),
    Case("maturity.self_assessment", "GET",
         lambda w: f"/p/{w.product.slug}/versions/{w.version.id}/self-assessment", MANAGE),
    Case("maturity.self_assessment", "POST",
         lambda w: f"/p/{w.product.slug}/versions/{w.version.id}/self-assessment", MANAGE,
         lambda w, role: _scores(w, "3")),
    # --- Ratings: any signed-in customer, never the product's own team ---------------------------------
    # --- Misses: the author's (world.py); the team answers it, and cannot close it without a newer version ------
    Case("misses.index", "GET", _p("/misses"), MANAGE),
    Case("misses.export", "GET", _p("/misses.csv"), MANAGE),
    Case("misses.show", "GET", lambda w: f"/p/{w.product.slug}/misses/{w.miss_id}",
         {role: 404 for role in ROLES} | {"anonymous": LOGIN, "author": OK, "product": OK, "owner": OK}),
    Case("misses.answer", "POST", lambda w: f"/p/{w.product.slug}/misses/{w.miss_id}/answer", MANAGE,
         lambda w, role: {"a-body": "Sorry"}),
    Case("misses.close", "POST", lambda w: f"/p/{w.product.slug}/misses/{w.miss_id}/close",
         MANAGE | {"product": 400, "owner": 400}, lambda w, role: {"c-version": str(w.version.id)}),
    Case("maturity.rate", "GET", _p("/rate"), signed_in()),
    Case("maturity.rate", "POST", _p("/rate"), CUSTOMERS,
         lambda w, role: {"version_id": str(w.version.id), "experience": "first", "expected": "3",
                          "comment": "Nice", **_scores(w)}),
    # --- Ideas ------------------------------------------------------------------------------------------------
    Case("ideas.create", "GET", _p("/ideas/new"), signed_in()),
    Case("ideas.create", "POST", _p("/ideas/new"), signed_in(),
         lambda w, role: {"title": "Add a dark mode", "description": "At night"}),
    Case("ideas.edit", "GET", _idea("/edit"), AUTHOR_OR_TEAM),
    Case("ideas.edit", "POST", _idea("/edit"), AUTHOR_OR_TEAM,
         lambda w, role: {"title": "Make it much faster", "description": "Please"}),
    Case("ideas.vote", "POST", _idea("/vote"), signed_in(), lambda w, role: {"vote": "1"}),
    Case("voices.record_idea", "GET", _p("/voices"), MANAGE),
    Case("voices.record_idea", "POST", _p("/voices"), MANAGE,
         lambda w, role: {"email": f"heard-{role}@example.com", "name": "Heard", "heard_at": "a fair",
                          "title": f"Heard by {role}"}),
    Case("voices.record_vote", "POST", _idea("/voices"), MANAGE,
         lambda w, role: {"email": f"heard-vote-{role}@example.com", "name": "Heard", "heard_at": "a call"}),
    Case("ideas.comment", "POST", _idea("/comments"), signed_in(), lambda w, role: {"body": "Me too"}),
    Case("ideas.edit_comment", "GET", _comment("/edit"), AUTHOR),
    Case("ideas.edit_comment", "POST", _comment("/edit"), AUTHOR, lambda w, role: {"body": "Edited"}),
    Case("ideas.delete_comment", "POST", _comment("/delete"), AUTHOR),
    # Images: the team illustrates the product and its versions; an idea's author (until the team answers) theirs.
    Case("images.product_images", "GET", _p("/images"), MANAGE),
    Case("images.product_images", "POST", _p("/images"), MANAGE, _upload),
    Case("images.version_images", "GET", lambda w: f"/p/{w.product.slug}/versions/{w.version.id}/images", MANAGE),
    Case("images.version_images", "POST", lambda w: f"/p/{w.product.slug}/versions/{w.version.id}/images", MANAGE,
         _upload),
    Case("images.idea_images", "GET", _idea("/images"), AUTHOR_OR_TEAM),
    Case("images.idea_images", "POST", _idea("/images"), AUTHOR_OR_TEAM, _upload),
    Case("images.delete", "POST", lambda w: f"/images/{w.image.token}/delete", AUTHOR_OR_TEAM),
    Case("images.show", "GET", lambda w: f"/images/{w.image.token}", everyone()),
    Case("images.thumb", "GET", lambda w: f"/images/{w.image.token}/thumb", everyone()),
    Case("ideas.mark_comment", "POST", _comment("/helpful"), MANAGE),
    Case("ideas.change_status", "POST", _idea("/status"), MANAGE,
         lambda w, role: {"status": "planned", "note": "Soon", "promised_on": TODAY}),
    Case("ideas.merge", "POST", _idea("/merge"), MANAGE,
         lambda w, role: {"target_id": str(w.other_idea.id), "note": "Same thing"}),
    Case("ideas.unmerge", "POST", _idea("/unmerge"), MANAGE),
    Case("ideas.set_tags", "POST", _idea("/tags"), MANAGE, lambda w, role: {"tag_ids": str(w.tag.id)}),
    Case("ideas.tags", "GET", _p("/tags"), MANAGE),
    Case("ideas.tags", "POST", _p("/tags"), MANAGE, lambda w, role: {"name": "comfort"}),
    Case("ideas.delete_tag", "POST", lambda w: f"/p/{w.product.slug}/tags/{w.tag.id}/delete", MANAGE),
    # --- Notifications ---------------------------------------------------------------------------------------
    Case("notifications.index", "GET", _const("/notifications"), signed_in()),
    Case("notifications.read", "POST", lambda w: f"/notifications/{w.notification.id}/read",
         signed_in(customer=404, outsider=404, product=404, marketing=404, owner=404)),
    Case("notifications.open_notification", "POST", lambda w: f"/notifications/{w.notification.id}/open",
         signed_in(customer=404, outsider=404, product=404, marketing=404, owner=404)),
    Case("notifications.read_all", "POST", _const("/notifications/read-all"), signed_in()),
    Case("notifications.settings", "GET", _const("/settings/notifications"), signed_in()),
    Case("notifications.settings", "POST", _const("/settings/notifications"), signed_in(),
         lambda w, role: {"email": "digest"}),
    # The signed token is the proof (RFC 8058 one-click): no session needed.
    Case("notifications.unsubscribe", "GET", lambda w: f"/unsubscribe/{w.unsubscribe_token}", everyone()),
    Case("notifications.unsubscribe_confirm", "POST", lambda w: f"/unsubscribe/{w.unsubscribe_token}", everyone()),
    Case("notifications.follow_idea", "POST", _idea("/follow"), signed_in()),
    Case("notifications.follow_product", "POST", _p("/follow"), signed_in()),
    Case("notifications.version", "GET", lambda w: f"/p/{w.product.slug}/versions/{w.version.id}", everyone()),
    Case("maturity.product_promises", "GET", _p("/promises"), MANAGE),
    Case("maturity.company_promises", "GET", _c("/promises"), MANAGE),
    # --- Ambassadors --------------------------------------------------------------------------------------------
    Case("ambassadors.board", "GET", _c("/ambassadors"), AMBASSADORS),
    Case("ambassadors.refresh", "POST", _c("/ambassadors/refresh"), AMBASSADORS),
    Case("ambassadors.shortlist", "GET", _c("/ambassadors/shortlist"), AMBASSADORS),
    Case("ambassadors.add", "POST", _c("/ambassadors/shortlist"), AMBASSADORS,
         lambda w, role: {"user_id": str(w.users["customer"].id), "note": "Active"}),
    Case("ambassadors.invite", "POST", lambda w: f"/c/{w.company.slug}/ambassadors/shortlist/{w.candidate.id}/invite",
         AMBASSADORS),
    Case("ambassadors.withdraw", "POST",
         lambda w: f"/c/{w.company.slug}/ambassadors/shortlist/{w.candidate.id}/withdraw", AMBASSADORS),
    Case("ambassadors.note", "POST", lambda w: f"/c/{w.company.slug}/ambassadors/shortlist/{w.candidate.id}/note",
         AMBASSADORS, lambda w, role: {f"c{w.candidate.id}-note": "Met at the fair"}),
    Case("ambassadors.export", "GET", _c("/ambassadors/shortlist.csv"), AMBASSADORS),
    Case("ambassadors.invitations", "GET", _const("/me/invitations"), signed_in()),
    # Only the invited customer (the author) sees and answers the invitation; to anyone else it does not exist.
    Case("ambassadors.accept", "POST", lambda w: f"/me/invitations/{w.candidate.id}/accept",
         signed_in(customer=404, outsider=404, product=404, marketing=404, owner=404)),
    Case("ambassadors.decline", "POST", lambda w: f"/me/invitations/{w.candidate.id}/decline",
         signed_in(customer=404, outsider=404, product=404, marketing=404, owner=404)),
    # --- Integrations: API tokens, the JSON API, webhooks ---------------------------------------------------
    Case("tokens.index", "GET", _const("/profile/tokens"), signed_in()),
    Case("tokens.create", "POST", _const("/profile/tokens"), signed_in(), lambda w, role: {"name": "CI"}),
    # Only one's own token can be revoked; to anyone else it does not exist.
    Case("tokens.revoke", "POST", lambda w: f"/profile/tokens/{w.api_token.id}/revoke",
         signed_in(customer=404, outsider=404, product=404, marketing=404, owner=404)),
    *[Case(endpoint, method, _const(path), API_SESSION)
      for endpoint, method, path in API_ROUTES],
    Case("api-docs.openapi_json", "GET", _const("/api/v1/openapi.json"), everyone()),
    Case("apidocs.docs", "GET", _const("/api/v1/docs"), everyone()),
    Case("webhooks.index", "GET", _c("/webhooks"), OWNER),
    Case("webhooks.index", "POST", _c("/webhooks"), OWNER,
         lambda w, role: {"url": "https://hooks.example.com/x", "events": "idea.created"}),
    Case("webhooks.show", "GET", lambda w: f"/c/acme/webhooks/{w.webhook.id}", OWNER),
    Case("webhooks.show", "POST", lambda w: f"/c/acme/webhooks/{w.webhook.id}", OWNER,
         lambda w, role: {"url": "https://hooks.example.com/new", "events": "idea.created", "active": "y"}),
    Case("webhooks.delete", "POST", lambda w: f"/c/acme/webhooks/{w.webhook.id}/delete", OWNER),
    Case("webhooks.roll_secret", "POST", lambda w: f"/c/acme/webhooks/{w.webhook.id}/secret", OWNER),
    Case("webhooks.retry", "POST", lambda w: f"/c/acme/webhooks/{w.webhook.id}/deliveries/{w.delivery.id}/retry",
         OWNER),
    # The rating widget (cocreate/widget). The frame is public (it shows no product data until the person is
    # known). Its session and rating calls take no cookie: a signed-in session alone is refused like anonymous
    # (the form POST of the matrix is no signed token: 400; no widget token: 401). The sign-in window is for
    # anyone signed in; the settings (origins, snippet, signing secret) for the company's owners.
    Case("widget.frame", "GET", _const("/widget/rocket"), everyone()),
    Case("widget.session", "POST", _const("/widget/rocket/session"), {role: 400 for role in ROLES}),
    Case("widget.rating", "GET", _const("/widget/rocket/rating"), {role: 401 for role in ROLES}),
    Case("widget.rating", "POST", _const("/widget/rocket/rating"), {role: 401 for role in ROLES},
         lambda w, role: {"version_id": str(w.version.id), "experience": "first", **_scores(w)}),
    Case("widget.signin", "GET", _const("/widget/rocket/signin"), signed_in()),
    Case("widget.signin", "POST", _const("/widget/rocket/signin"), signed_in()),
    Case("widget.settings", "GET", _p("/widget"), OWNER),
    Case("widget.settings", "POST", _p("/widget"), OWNER, lambda w, role: {"origin": "https://new.example.com"}),
    Case("widget.remove_origin", "POST", lambda w: f"/p/{w.product.slug}/widget/origins/{w.widget_origin.id}/delete",
         OWNER),
    Case("widget.new_secret", "POST", _p("/widget/secret"), OWNER),
    Case("ideas_csv.export", "GET", _p("/ideas.csv"), MANAGE),
    Case("ideas_csv.upload", "GET", _p("/ideas/import"), MANAGE),
    Case("ideas_csv.upload", "POST", _p("/ideas/import"), MANAGE,
         lambda w, role: {"file": (io.BytesIO(b"title,votes\nFrom Jira,3\n"), "ideas.csv")}),
    Case("ideas_csv.confirm", "POST", _p("/ideas/import/confirm"), MANAGE,
         lambda w, role: {"csv_text": "title,votes\nFrom Jira,3\n"}),
    Case("feeds.product_feed", "GET", _p("/feed.atom"), everyone()),
]

# Blueprints that only the test suite registers.
TEST_ONLY_BLUEPRINTS = {"failing"}
