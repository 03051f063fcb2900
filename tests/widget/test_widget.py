"""The rating widget on the server: the frame's headers, the company's signed token, ratings through the
widget's token (same rules, same board), CORS for the allowed origins only, the sign-in window, the settings."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import OctKey

from cocreate.auth.models import User
from cocreate.auth.services import revoke_sessions
from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from cocreate.maturity.models import ProductFigures, Rating
from cocreate.products.models import Visibility
from cocreate.products.services import can_view
from cocreate.widget import services
from cocreate.widget.models import WidgetOrigin
from tests import factories
from tests.conftest import csrf_token, login
from tests.widget.conftest import SITE


def signed(secret: str, email: str = "pat@customer.example", name: str = "Pat Prototype", **claims) -> str:
    now = int(utcnow().timestamp())
    payload = {"email": email, "name": name, "iat": now, "exp": now + 600} | claims
    return jwt.encode({"alg": "HS256"}, {k: v for k, v in payload.items() if v is not None}, OctKey.import_key(secret))


def access_for(client, widget, **kwargs) -> str:
    response = client.post(f"/widget/{widget.product.slug}/session", json={"token": signed(widget.secret, **kwargs)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def rate(client, widget, token: str, touchpoint=None, **fields):
    product = widget.product
    data = {"version_id": str(product.current_version.id), "experience": "first", "expected": "4", "comment": ""}
    if touchpoint is None:
        data |= {f"tp_{t.id}": "4" for t in product.touchpoints if t.active}
    data |= fields
    query = f"?touchpoint={touchpoint.id}" if touchpoint is not None else ""
    return client.post(f"/widget/{product.slug}/rating{query}", data=data, headers=bearer(token))


def login_with_csrf(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 303


def raters(product) -> int:
    row = db.session.get(ProductFigures, product.id)
    return 0 if row is None else row.figures["raters"]


# --------------------------------------------------------------------------- the frame and its headers

def test_the_frame_may_be_framed_only_by_the_allowed_origins(client, widget):
    services.add_origin(widget.product, "http://127.0.0.1:5118")
    db.session.commit()
    response = client.get(f"/widget/{widget.product.slug}")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors http://127.0.0.1:5118 https://proto.example.com" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1]
    assert "X-Frame-Options" not in response.headers
    assert "script-src 'self'" in policy
    page = response.get_data(as_text=True)
    assert "Rate this" in page and "widget/frame.js" in page
    # every other page stays unframeable
    other = client.get(f"/p/{widget.product.slug}")
    assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]
    assert other.headers["X-Frame-Options"] == "DENY"


def test_the_frame_speaks_the_visitors_language(client, widget):
    ease = next(t for t in widget.product.touchpoints if t.name == "Ease of use")
    page = client.get(f"/widget/{widget.product.slug}?touchpoint={ease.id}", headers={"Accept-Language": "nl"})
    text = page.get_data(as_text=True)
    assert "Beoordeel dit" in text and "Gebruiksgemak" in text and 'lang="nl"' in text


def test_the_widget_sets_no_cookie(client, widget):
    """Nothing the frame asks for answers with a cookie: it would be a third-party cookie, blocked or not."""
    slug = widget.product.slug
    answers = [client.get(f"/widget/{slug}"),
               client.post(f"/widget/{slug}/session", json={"token": signed(widget.secret)})]
    token = answers[-1].get_json()["access"]
    answers += [client.get(f"/widget/{slug}/rating", headers=bearer(token)), rate(client, widget, token)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert [a.headers.get("Set-Cookie") for a in answers] == [None] * 4


def test_a_product_without_allowed_origins_has_no_widget(client, widget):
    other = factories.rated_product(widget.company)
    assert client.get(f"/widget/{other.slug}").status_code == 404
    assert client.post(f"/widget/{other.slug}/session", json={"token": signed(widget.secret)}).status_code == 404
    assert client.get("/widget/no-such-product").status_code == 404
    assert client.get("/widget/" + "x" * 500).status_code == 404


# --------------------------------------------------------------------------- the company's signed token

def test_a_signed_token_makes_a_verified_account_and_rates_on_the_board(client, widget):
    before = raters(widget.product)
    token = access_for(client, widget)
    user = db.session.scalar(sa.select(User).where(User.email == "pat@customer.example"))
    assert user is not None and user.name == "Pat Prototype" and user.is_verified
    form = client.get(f"/widget/{widget.product.slug}/rating", headers=bearer(token))
    assert form.status_code == 200
    assert "Rating as Pat Prototype" in form.get_data(as_text=True)
    response = rate(client, widget, token, comment="Lovely prototype")
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "Thank you!" in page and 'data-figure="raters">1<' in page
    rating = db.session.scalar(sa.select(Rating).where(Rating.user_id == user.id))
    assert rating.comment == "Lovely prototype" and rating.expected == 4 and len(rating.scores) == 6
    assert raters(widget.product) == before + 1


def test_a_signed_token_matches_the_existing_account(client, widget):
    customer = factories.UserFactory(email="known@customer.example", name="Known Customer")
    token = access_for(client, widget, email="Known@Customer.example", name="Someone Else")
    assert rate(client, widget, token).status_code == 200
    assert db.session.scalar(sa.select(Rating.user_id)) == customer.id
    db.session.refresh(customer)
    assert customer.name == "Known Customer"  # the company's token does not rename an account


@pytest.mark.parametrize(("case", "message"), [
    ("wrong secret", "not valid"),
    ("expired", "not valid"),
    ("no expiry", "not valid"),
    ("a week long", "at most a day"),
    ("no e-mail", "not valid"),
    ("bad e-mail", "e-mail address is not valid"),
    ("empty name", "must name the person"),
    ("none algorithm", "not valid"),
    ("garbage", "not valid"),
])
def test_bad_signed_tokens_are_refused_with_the_reason(client, widget, case, message):
    now = int(utcnow().timestamp())
    token = {
        "wrong secret": lambda: signed("cws_" + "x" * 43),
        "expired": lambda: signed(widget.secret, iat=now - 3600, exp=now - 600),
        "no expiry": lambda: signed(widget.secret, exp=None),
        "a week long": lambda: signed(widget.secret, exp=now + 7 * 86400),
        "no e-mail": lambda: signed(widget.secret, email=None),
        "bad e-mail": lambda: signed(widget.secret, email="not an address"),
        "empty name": lambda: signed(widget.secret, name="  "),
        "none algorithm": lambda: _unsigned({"email": "pat@customer.example", "name": "Pat", "exp": now + 600}),
        "garbage": lambda: "not.a.token",
    }[case]()
    response = client.post(f"/widget/{widget.product.slug}/session", json={"token": token})
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert db.session.scalar(sa.select(User).where(User.email == "pat@customer.example")) is None


def _unsigned(claims: dict) -> str:
    import base64
    import json

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_tokens_signed_with_a_replaced_secret_stop_working(client, widget):
    old = signed(widget.secret)
    services.new_secret(widget.company)
    db.session.commit()
    response = client.post(f"/widget/{widget.product.slug}/session", json={"token": old})
    assert response.status_code == 400


def test_no_secret_no_signed_sign_in(client, widget):
    db.session.delete(services.secret_of(widget.company))
    db.session.commit()
    response = client.post(f"/widget/{widget.product.slug}/session", json={"token": signed("cws_" + "y" * 43)})
    assert response.status_code == 400 and "not set up signed sign-in" in response.get_json()["error"]
    assert client.post(f"/widget/{widget.product.slug}/session", data="x").status_code == 400


def test_two_first_exchanges_at_once_make_one_account(client, widget, monkeypatch):
    """The race of two exchanges for a new address: the second one's INSERT fails on the unique address and it
    takes the account the first one made, instead of a 500."""
    from cocreate.auth import services as auth

    factories.UserFactory(email="pat@customer.example", name="Pat Prototype")  # made by "the other request"
    real, calls = auth.find_by_email, []

    def too_early(email):  # both look-ups of the losing request ran before the winner's commit
        calls.append(email)
        return None if len(calls) <= 2 else real(email)

    monkeypatch.setattr(auth, "find_by_email", too_early)
    response = client.post(f"/widget/{widget.product.slug}/session", json={"token": signed(widget.secret)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(calls) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.email == "pat@customer.example")) == 1


def test_a_signed_token_lets_the_person_into_a_private_product(client, widget):
    private = factories.rated_product(widget.company, visibility=Visibility.PRIVATE)
    services.add_origin(private, SITE)
    db.session.commit()
    response = client.post(f"/widget/{private.slug}/session", json={"token": signed(widget.secret)})
    assert response.status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "pat@customer.example"))
    assert can_view(private, user)


# --------------------------------------------------------------------------- rating through the widget's token

def test_rating_one_touchpoint_keeps_the_others(client, widget):
    token = access_for(client, widget)
    assert rate(client, widget, token).status_code == 200
    quality = next(t for t in widget.product.touchpoints if t.name == "Quality")
    form = client.get(f"/widget/{widget.product.slug}/rating?touchpoint={quality.id}", headers=bearer(token))
    page = form.get_data(as_text=True)
    assert f'name="tp_{quality.id}"' in page and page.count('class="score-group') == 2  # it and the expected score
    response = rate(client, widget, token, touchpoint=quality, **{f"tp_{quality.id}": "2"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rating = db.session.scalar(sa.select(Rating))
    scores = {s.touchpoint_id: s.score for s in rating.scores}
    assert scores[quality.id] == 2 and sorted(scores.values()) == [2, 4, 4, 4, 4, 4]


def test_the_widget_asks_what_they_felt(client, widget):
    """The emotion layer: on a touchpoint's page, what they felt about it; the rest of what they felt is kept."""
    token = access_for(client, widget)
    quality = next(t for t in widget.product.touchpoints if t.name == "Quality")
    ease = next(t for t in widget.product.touchpoints if t.name == "Ease of use")
    assert rate(client, widget, token, **{f"feel_{ease.id}": "joy", "feel_0": "hope"}).status_code == 200
    form = client.get(f"/widget/{widget.product.slug}/rating?touchpoint={quality.id}", headers=bearer(token))
    page = form.get_data(as_text=True)
    assert f'name="feel_{quality.id}"' in page and f'name="feel_{ease.id}"' not in page and 'name="feel_0"' not in page
    response = rate(client, widget, token, touchpoint=quality, **{f"tp_{quality.id}": "2",
                                                                  f"feel_{quality.id}": "dissatisfaction"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rating = db.session.scalar(sa.select(Rating))
    assert rating.emotion_map == {ease.id: "joy", quality.id: "dissatisfaction", 0: "hope"}
    refused = rate(client, widget, token, touchpoint=quality, **{f"tp_{quality.id}": "2", f"feel_{quality.id}": "glee"})
    assert refused.status_code == 400 and "Choose one of the emotions shown" in refused.get_data(as_text=True)


def test_a_touchpoint_page_needs_its_score(client, widget):
    token = access_for(client, widget)
    quality = next(t for t in widget.product.touchpoints if t.name == "Quality")
    response = rate(client, widget, token, touchpoint=quality, comment="kept")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose a score from 1 to 5." in page and "kept</textarea>" in page
    assert f'name="tp_{quality.id}" type="radio" value=""' not in page  # a touchpoint's own page offers no skip
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0


def test_the_hold_rules_see_the_raters_network(client, widget):
    """Like the site's form, the widget records the rater's network for the hold rules (maturity/holds.py)."""
    from cocreate.maturity import holds

    token = access_for(client, widget)
    product = widget.product
    data = {"version_id": str(product.current_version.id), "experience": "first",
            **{f"tp_{t.id}": "4" for t in product.touchpoints if t.active}}
    response = client.post(f"/widget/{product.slug}/rating", data=data, headers=bearer(token),
                           environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 200
    rating = db.session.scalar(sa.select(Rating))
    assert rating.network_hash is not None and rating.network_hash == holds.network_hash("198.51.100.7")


def test_the_same_rules_as_the_site(client, widget):
    """Out-of-range scores, a version that is no longer current, and the product's own team: refused in place."""
    token = access_for(client, widget)
    tp = widget.product.touchpoints[0]
    response = rate(client, widget, token, **{f"tp_{tp.id}": "9"})
    assert response.status_code == 400 and "Choose a score from 1 to 5, or skip it." in response.get_data(as_text=True)
    response = rate(client, widget, token, version_id="999999")
    assert response.status_code == 400 and "has a new version" in response.get_data(as_text=True)
    team = access_for(client, widget, email=widget.owner.email, name="Owner")
    response = rate(client, widget, team)
    assert response.status_code == 400 and "You are on the team" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0


def test_the_widget_token_is_needed_and_bound_to_its_product_and_sessions(client, widget):
    assert rate(client, widget, "").status_code == 401
    response = client.post(f"/widget/{widget.product.slug}/rating", data={})
    assert response.status_code == 401 and "sign in again" in response.get_data(as_text=True)
    other = factories.rated_product(widget.company)
    services.add_origin(other, SITE)
    db.session.commit()
    user = services.identify(widget.product, signed(widget.secret))
    db.session.commit()
    elsewhere = services.access_token(user, other)
    assert rate(client, widget, elsewhere).status_code == 401
    token = services.access_token(user, widget.product)
    assert rate(client, widget, token[:-2] + "xx").status_code == 401
    revoke_sessions(user)  # log-out and a new password end every session: the widget's token too
    db.session.commit()
    assert rate(client, widget, token).status_code == 401


def test_a_signed_in_cookie_is_not_enough(client, widget, csrf):
    """The widget's POSTs take no cookie: a page of another site cannot rate as the visitor (no CSRF)."""
    customer = factories.UserFactory()
    login_with_csrf(client, customer)
    data = {"version_id": str(widget.product.current_version.id), "experience": "first",
            **{f"tp_{t.id}": "5" for t in widget.product.touchpoints}}
    assert client.post(f"/widget/{widget.product.slug}/rating", data=data).status_code == 401
    # with its token, no CSRF token is needed: the header is the proof
    token = services.access_token(customer, widget.product)
    assert rate(client, widget, token).status_code == 200


# --------------------------------------------------------------------------- CORS

def test_cors_answers_only_the_allowed_origins(client, widget):
    slug = widget.product.slug
    preflight = client.options(f"/widget/{slug}/session", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    allowed = client.post(f"/widget/{slug}/session", json={"token": signed(widget.secret)}, headers={"Origin": SITE})
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == SITE
    assert "Origin" in allowed.headers["Vary"]
    evil = "https://evil.example"
    preflight = client.options(f"/widget/{slug}/session", headers={"Origin": evil,
                                                                   "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    refused = client.post(f"/widget/{slug}/session", json={"token": signed(widget.secret, email="x@y.example")},
                          headers={"Origin": evil})
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    assert db.session.scalar(sa.select(User).where(User.email == "x@y.example")) is None
    assert "Access-Control-Allow-Origin" not in client.get(f"/widget/{slug}", headers={"Origin": SITE}).headers
    # the frame itself calls from Cocreate's own origin
    own = client.post(f"/widget/{slug}/session", json={"token": signed(widget.secret)},
                      headers={"Origin": "http://localhost"})
    assert own.status_code == 200 and "Access-Control-Allow-Origin" not in own.headers


# --------------------------------------------------------------------------- the sign-in window

def test_the_sign_in_window_hands_over_a_token_after_a_click(client, widget, csrf):
    slug = widget.product.slug
    assert client.get(f"/widget/{slug}/signin").status_code == 303  # to log in first
    customer = factories.UserFactory(name="Cora Customer")
    login_with_csrf(client, customer)
    page = client.get(f"/widget/{slug}/signin")
    assert page.status_code == 200 and "Continue as Cora Customer" in page.get_data(as_text=True)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert client.post(f"/widget/{slug}/signin").status_code == 400  # no CSRF token
    answer = client.post(f"/widget/{slug}/signin", data={"csrf_token": csrf_token(client, f"/widget/{slug}/signin")})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert 'src="/static/widget/signin.js"' in answer.get_data(as_text=True)  # the hand-over script, nothing else
    token = re.search(r'data-access="([^"]+)"', answer.get_data(as_text=True)).group(1)
    client.delete_cookie("session")  # the frame has no cookie: only the token
    assert rate(client, widget, token).status_code == 200
    assert db.session.scalar(sa.select(Rating.user_id)) == customer.id


def test_no_sign_in_window_for_a_product_without_widget_or_out_of_sight(client, widget):
    customer = factories.UserFactory()
    login(client, customer)
    assert client.get(f"/widget/{factories.rated_product(widget.company).slug}/signin").status_code == 404
    private = factories.rated_product(widget.company, visibility=Visibility.PRIVATE)
    services.add_origin(private, SITE)
    db.session.commit()
    assert client.get(f"/widget/{private.slug}/signin").status_code == 404


# --------------------------------------------------------------------------- the owner's settings page

def test_the_owner_allows_origins_with_refusals_in_place(client, widget):
    login(client, widget.owner)
    url = f"/p/{widget.product.slug}/widget"
    for text, message in [
        ("https://app.example.com/page", "without a path"),
        ("ftp://app.example.com", "starts with https://"),
        ("https://*.example.com", "wildcards"),
        ("", "Enter the address"),
        ("https://Proto.Example.com/", "is allowed already"),
        ("https://bad_host!.example", "not valid"),
    ]:
        response = client.post(url, data={"origin": text})
        assert response.status_code == 400, text
        page = response.get_data(as_text=True)
        assert message in page and 'class="error" id="origin-error"' in page, text
    response = client.post(url, data={"origin": "HTTP://LOCALHOST:8080/"})
    assert response.status_code == 303
    assert sorted(services.allowed_origins(widget.product)) == ["http://localhost:8080", SITE]
    page = client.get(url)
    text = html.unescape(page.get_data(as_text=True))
    assert page.headers["Cache-Control"] == "no-store"
    assert widget.secret in text and "embed.js" in text and f'data-product="{widget.product.slug}"' in text
    row = db.session.scalar(sa.select(WidgetOrigin).where(WidgetOrigin.origin == SITE))
    assert client.post(f"{url}/origins/{row.id}/delete").status_code == 303
    assert services.allowed_origins(widget.product) == ["http://localhost:8080"]


def test_a_new_secret_replaces_the_old_one(client, widget):
    login(client, widget.owner)
    assert client.post(f"/p/{widget.product.slug}/widget/secret").status_code == 303
    new = services.secret_of(widget.company).secret
    assert new != widget.secret and new.startswith("cws_")
    assert new in client.get(f"/p/{widget.product.slug}/widget").get_data(as_text=True)


def test_the_snippet_names_the_chosen_touchpoint(client, widget):
    login(client, widget.owner)
    tp = widget.product.touchpoints[2]
    page = html.unescape(client.get(f"/p/{widget.product.slug}/widget?touchpoint={tp.id}").get_data(as_text=True))
    assert f'data-touchpoint="{tp.id}"' in page and f"/widget/{widget.product.slug}?touchpoint={tp.id}" in page


def test_only_the_owner_sees_the_settings(client, widget):
    product_manager = factories.member(widget.company, Role.PRODUCT)
    login(client, product_manager)
    assert client.get(f"/p/{widget.product.slug}/widget").status_code == 403


# --------------------------------------------------------------------------- limits

def test_the_token_exchange_is_rate_limited(limited_app, widget):
    client = limited_app.test_client()
    codes = [client.post(f"/widget/{widget.product.slug}/session", json={"token": "bad"}).status_code
             for _ in range(31)]
    assert codes[:30] == [400] * 30 and codes[30] == 429


def test_signed_tokens_may_not_live_longer_than_a_day(widget):
    with pytest.raises(services.WidgetRefused):
        services.identify(widget.product, services.sign_identity(widget.secret, email="a@b.example", name="A",
                                                                 lifetime=timedelta(days=2)))
