"""A small, realistic world every security test can act on.

Company A ("acme") has a product with a released version, its default touchpoints, an idea by a customer
(the author) with a comment, a second idea, a tag, an extra member and a pending invitation (for the customer's
address, who is also invited to the product); the author is
invited to be an ambassador (so has a notification) and has an API token; company A has a webhook with a
queued delivery. Company B has
an owner: the "outsider". One user per role of the authorisation matrix.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from PIL import Image as PILImage

from cocreate.ambassadors import shortlist
from cocreate.ambassadors.models import Candidate
from cocreate.api.models import ApiToken
from cocreate.api.services import create_token
from cocreate.auth import links as account_links
from cocreate.auth import sso
from cocreate.auth.models import CompanySSO, User
from cocreate.auth.services import request_signup
from cocreate.companies import services as companies
from cocreate.companies.models import Company, Membership, Role
from cocreate.extensions import db
from cocreate.ideas import services as ideas
from cocreate.ideas.models import Comment, Idea, Tag
from cocreate.images import services as images
from cocreate.images.models import Image
from cocreate.notifications.mail import unsubscribe_token
from cocreate.notifications.models import MailMessage, Notification
from cocreate.products.models import Product, ProductInvitation, Touchpoint, Version, Visibility
from cocreate.products.services import create_product, invite_customer
from cocreate.webhooks import services as webhooks
from cocreate.webhooks.models import Event, Webhook, WebhookDelivery
from cocreate.widget import services as widget
from cocreate.widget.models import WidgetOrigin
from tests import factories


def _png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (4, 3), "navy").save(out, "PNG")
    return out.getvalue()


PNG = _png()
SSO_ISSUER = "http://127.0.0.1:9"  # the discard port: connections are refused at once
ROLES = ("anonymous", "customer", "author", "outsider", "product", "marketing", "owner")


@dataclass
class World:
    company: Company
    product: Product
    version: Version
    touchpoint: Touchpoint
    idea: Idea
    other_idea: Idea
    comment: Comment
    tag: Tag
    extra: Membership
    invitation_token: str
    invitation_id: int
    customer_invitation: ProductInvitation
    signup_token: str  # the link of a sign-up waiting for its address to be confirmed
    candidate: Candidate
    notification: Notification
    unsubscribe_token: str
    api_token: ApiToken
    webhook: Webhook
    delivery: WebhookDelivery
    image: Image  # on the idea, added by its author
    users: dict[str, User] = field(default_factory=dict)
    widget_origin: WidgetOrigin | None = None  # the product's rating widget may show on this site
    links: dict[str, str] = field(default_factory=dict)  # the customer's verify, reset and login links (tokens)
    miss_id: int = 0  # the author rated the first touchpoint 1: a miss (cocreate/misses) the team may answer

    def user(self, role: str) -> User | None:
        return self.users.get(role)


def _add(obj):
    db.session.add(obj)
    return obj


def _member(company: Company, role: Role, email: str) -> User:
    user = _add(factories.UserFactory.build(email=email))
    _add(Membership(company=company, user=user, role=role))
    return user


def _held_rating(product: Product, version: Version) -> None:
    """A rating the hold rules keep back (cocreate/maturity/holds.py): stored, counted nowhere, for the team to let
    count (maturity.release_held)."""
    from cocreate.maturity.models import Rating, RatingScore

    fan = _add(factories.UserFactory.build(email="quick.fan@example.com"))
    _add(Rating(version=version, user=fan, held=True, hold_reason="burst", new_account=True,
                scores=[RatingScore(touchpoint=product.touchpoints[-1], score=5)]))


def held_rating_id() -> int:
    from cocreate.maturity.models import Rating

    return db.session.scalar(sa.select(Rating.id).where(Rating.held.is_(True)).order_by(Rating.id)) or 0


def build(visibility: Visibility = Visibility.PUBLIC) -> World:
    """Everything in one transaction (factories would commit every row: ten times slower)."""
    company = _add(Company(name="Acme", slug="acme"))
    other = _add(Company(name="Rival", slug="rival"))
    users = {
        "customer": _add(factories.UserFactory.build(email="customer@example.com")),
        "author": _add(factories.UserFactory.build(email="author@example.com")),
        "outsider": _member(other, Role.OWNER, "outsider@example.com"),
        "product": _member(company, Role.PRODUCT, "product@example.com"),
        "marketing": _member(company, Role.MARKETING, "marketing@example.com"),
        "owner": _member(company, Role.OWNER, "owner@example.com"),
    }
    extra = _add(Membership(company=company, user=_add(factories.UserFactory.build(email="extra@example.com")),
                            role=Role.PRODUCT))
    db.session.flush()
    product = create_product(company, name="Rocket", slug="rocket", visibility=visibility)
    version = _add(Version(product=product, label="v1", released_on=date.today() - timedelta(days=3)))
    db.session.flush()
    idea = ideas.create_idea(product, users["author"], title="Make it faster")
    other_idea = ideas.create_idea(product, users["author"], title="Make it quicker")
    comment = ideas.add_comment(idea, users["author"], "I would love this.")
    tag = ideas.add_tag(product, "speed")
    invitation, token = companies.invite(company, "customer@example.com", Role.MARKETING, users["owner"])
    customer_invitation = invite_customer(product, "customer@example.com", users["owner"])
    users["author"].contact_opt_in = True
    candidate = shortlist.add_candidate(company, users["author"], users["owner"], "Helpful")
    shortlist.invite(candidate, url="/me/invitations")  # also notifies the author
    notification = db.session.scalar(sa.select(Notification).where(Notification.user_id == users["author"].id))
    api_token, _ = create_token(users["author"], "CLI")
    webhook, _ = webhooks.create_webhook(company, users["owner"], url="https://hooks.example.com/acme",
                                         events=["idea.created"])
    delivery = webhooks.queue(company.id, Event.IDEA_CREATED, {"idea": {"id": idea.id}})[0]
    image = images.add_now(images.Target(product, idea=idea), users["author"], PNG, alt="A sketch")
    request_signup(name="Pending Person", email="pending@example.com", password="a long and unusual passphrase")
    signup_mail = db.session.scalar(sa.select(MailMessage.body).where(MailMessage.to_address == "pending@example.com"))
    signup_token = re.search(r"/signup/([\w-]+)", signup_mail).group(1)
    links = {purpose: account_links.issue(users["customer"], purpose)[1] for purpose in ("verify", "reset", "login")}
    # Acme's identity provider, at an address where nothing answers (tests/auth/test_sso.py runs a real one).
    _add(CompanySSO(company_id=company.id, issuer=SSO_ISSUER, client_id="cocreate",
                    client_secret_encrypted=sso.encrypt("s")))
    widget_origin = widget.add_origin(product, "https://proto.example.com")
    from cocreate.maturity.services import save_rating
    from cocreate.misses.models import Miss

    save_rating(users["author"], product, version, {product.touchpoints[0].id: 1}, expected=None, returning=False)
    miss_id = db.session.scalar(sa.select(Miss.id))
    _held_rating(product, version)
    widget.new_secret(company)
    db.session.commit()
    return World(company=company, product=product, version=version, touchpoint=product.touchpoints[0], idea=idea,
                 other_idea=other_idea, comment=comment, tag=tag, extra=extra, invitation_token=token,
                 invitation_id=invitation.id, customer_invitation=customer_invitation, signup_token=signup_token,
                 candidate=candidate, notification=notification, unsubscribe_token=unsubscribe_token(users["author"]),
                 api_token=api_token, webhook=webhook, delivery=delivery, image=image, users=users, links=links,
                 widget_origin=widget_origin, miss_id=miss_id)


def act_as(client, user: User | None) -> None:
    """Sign the test client in as `user` (Flask-Login's session key), or leave it anonymous."""
    if user is None:
        return
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True


def reset() -> None:
    """Empty every table (as the suite does after each test), so the next build starts clean."""
    db.session.rollback()
    db.session.expunge_all()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))  # noqa: S608 (table names only)
        else:
            for table in tables:
                conn.execute(table.delete())


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, to see whether a request changed anything."""
    db.session.expire_all()
    conn = db.session.connection()
    return {t.name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(t))) for t in db.metadata.sorted_tables}
