"""Browser flows of issue 16: confirm an address and rate; forget the password, reset it, log in; sign in by a
mailed link; sign in through a company's identity provider (a real OpenID Connect provider on 127.0.0.1)."""

import re
import time
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import PASSWORD, LiveServer, sign_up, unique

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a different long passphrase"


def mail_link(email: str, path: str) -> str:
    """The newest link of ``path`` in the mail to ``email``, as a path of the live server (built from PUBLIC_URL)."""
    import sqlalchemy as sa

    from cocreate.extensions import db
    from cocreate.notifications.models import MailMessage
    from tests import taskqueue

    assert LiveServer.current is not None
    for _attempt in range(20):  # the request hands the address to the worker after its commit: wait for it
        with LiveServer.current.app.app_context():
            taskqueue.run_queued()  # the worker's part: reset and sign-in links are looked up and queued there
            bodies = db.session.scalars(sa.select(MailMessage.body).where(MailMessage.to_address == email)
                                        .order_by(MailMessage.id.desc())).all()
        for body in bodies:
            match = re.search(r"(https?://[^/\s]+)(" + re.escape(path) + r"[\w-]+)", body)
            if match:
                assert match.group(1) == LiveServer.current.url, "links come from PUBLIC_URL"
                return match.group(2)
        time.sleep(0.25)
    raise AssertionError(f"no {path} link was mailed to {email}: {[b[:80] for b in bodies]}")


@pytest.fixture
def public_url(live_server):
    live_server.app.config["PUBLIC_URL"] = live_server.url
    yield live_server.url
    live_server.app.config.pop("PUBLIC_URL", None)


def stored_raters(slug: str) -> int:
    import sqlalchemy as sa

    from cocreate.extensions import db
    from cocreate.maturity.models import ProductFigures
    from cocreate.products.models import Product

    with LiveServer.current.app.app_context():
        product = db.session.scalar(sa.select(Product).where(Product.slug == slug))
        return db.session.get(ProductFigures, product.id).figures["raters"]


def held_for_review(email: str) -> bool:
    """Whether the rater-credibility rules (maturity/holds.py) hold this user's rating for the team to review."""
    import sqlalchemy as sa

    from cocreate.auth.models import User
    from cocreate.extensions import db
    from cocreate.maturity.models import Rating

    with LiveServer.current.app.app_context():
        rating = db.session.scalar(sa.select(Rating).join(User, User.id == Rating.user_id).where(User.email == email))
        return bool(getattr(rating, "held", False))


def test_sign_up_confirm_a_new_address_and_rate(new_page, sample, public_url):
    page = new_page()
    sign_up(page, unique("Vera Verified "))
    moved = f"{unique('vera')}@moved.example"
    page.goto("/profile/email")
    page.get_by_label("New e-mail address").fill(moved)
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Change my address").click()
    page.get_by_text("Confirm your address: your votes and ratings count once").wait_for()

    before = stored_raters(sample["product"])
    page.goto(f"/p/{sample['product']}/rate")
    for group in page.locator("fieldset.score-group").all()[:6]:
        group.get_by_label("5", exact=True).check()
    page.get_by_role("button", name="Send my rating").click()
    page.get_by_text("Your rating is kept and counts once you confirm your address").wait_for()
    assert stored_raters(sample["product"]) == before  # held

    page.goto(mail_link(moved, "/email/confirm/"))
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_text("is confirmed. Your votes and ratings count now.").wait_for()
    # Counted from the moment of confirming (unless the rater-credibility rules hold it back for the team).
    assert stored_raters(sample["product"]) == before + (0 if held_for_review(moved) else 1)
    page.goto(f"/p/{sample['product']}/rate")
    assert "counts once you confirm" not in page.content()


def test_forget_the_password_reset_it_and_log_in(new_page, public_url):
    first = new_page()
    email = sign_up(first, unique("Fiona Forgetful "))
    page = new_page()
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_text("If the address you gave has an account").wait_for()
    page.goto(mail_link(email, "/password/reset/"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    page.get_by_role("heading", name="Your new password is set").wait_for()
    first.goto("/profile")  # the session where she signed up has ended
    assert urlsplit(first.url).path == "/login"
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert "Log out" in page.content()


def test_sign_in_by_a_link_by_email(new_page, public_url):
    email = sign_up(new_page(), unique("Lars Link "))
    page = new_page()
    page.goto("/login")
    page.get_by_role("link", name="Sign in with a link by e-mail").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Mail me a sign-in link").click()
    page.get_by_text("we sent it a link that signs you in").wait_for()
    link = mail_link(email, "/login/email/")
    page.goto(link)
    page.get_by_role("button", name="Sign me in").click()
    page.get_by_text("Welcome back").wait_for()
    other = new_page()
    other.goto(link)
    assert "used already" in other.content() and "Ask for a new link" in other.content()


def test_sign_in_through_the_companys_identity_provider(new_page, live_server, public_url):
    from tests.auth.oidc_provider import Provider, serve

    provider = Provider()
    server, thread = serve(provider)
    live_server.app.config["SSO_ALLOW_INSECURE"] = True  # the provider is on http://127.0.0.1
    try:
        owner = new_page()
        sign_up(owner, unique("Olga Owner "))
        owner.goto("/companies/new")
        company = unique("Globex ")
        owner.get_by_label("Name").first.fill(company)
        owner.get_by_role("button", name=re.compile("Create")).click()
        owner.wait_for_url(re.compile(r"/c/[\w-]+"))
        slug = re.search(r"/c/([\w-]+)", owner.url).group(1)
        provider.add_client("cocreate", "client-secret", f"{live_server.url}/sso/{slug}/callback")
        owner.goto(f"/c/{slug}/sso")
        owner.get_by_label("Issuer URL").fill(provider.issuer)
        owner.get_by_label("Client id").fill("cocreate")
        owner.get_by_label("Client secret").fill("client-secret")
        owner.get_by_role("button", name="Save and check the provider").click()
        owner.get_by_text("Single sign-on is connected").wait_for()
        assert "client-secret" not in owner.content()

        provider.person = {"sub": "emp-42", "email": f"{unique('ed')}@globex.example", "email_verified": True,
                           "name": "Ed Employee"}
        page = new_page()
        page.goto("/login")
        page.get_by_role("link", name="Sign in with your company's single sign-on").click()
        page.get_by_role("link", name=f"Sign in through {company}").click()
        page.get_by_text(f"Signed in through {company}").wait_for()
        assert "Ed Employee" in page.content()
        assert provider.last_authorize["code_challenge_method"] == "S256"
    finally:
        live_server.app.config.pop("SSO_ALLOW_INSECURE", None)
        server.shutdown()
        thread.join(timeout=10)
