"""Browser tests: the app served on a free port from a temporary SQLite file, driven by headless Chromium.

Skipped (with the reason) when Debian's Chromium or Playwright's Python package is missing. The
server runs in a thread of the test process with production settings (CSRF on), except rate limits
(the tests sign up several accounts from one address) and cheap password hashing.
"""

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "a long enough e2e password"
PHONE = {"width": 390, "height": 844}



class LiveServer:
    current: "LiveServer | None" = None  # for helpers that read what the app wrote (the sign-up mail)

    def __init__(self, app, port: int):
        self.app = app
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from werkzeug.serving import make_server

    from cocreate import create_app
    from cocreate.extensions import db

    path = tmp_path_factory.mktemp("e2e") / "e2e.db"
    app = create_app({
        "UPLOAD_FOLDER": str(path.parent / "uploads"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SQLALCHEMY_ENGINE_OPTIONS": {}, "SECRET_KEY": "e2e-secret",
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://", "TASKS_BROKER": "memory://",
        "PASSWORD_TIME_COST": 1, "PASSWORD_MEMORY_COST": 64,
    })
    with app.app_context():
        import cocreate.models  # noqa: F401

        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    LiveServer.current = LiveServer(app, server.server_port)
    yield LiveServer.current
    LiveServer.current = None
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context options) -> a page in a fresh context (own cookies); closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


_seq = iter(range(1, 10_000))


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}"


def _signup_link(email: str) -> str:
    """The link of the sign-up mail to this address, read from the live server's mail queue."""
    import re

    import sqlalchemy as sa

    from cocreate.extensions import db
    from cocreate.notifications.models import MailMessage

    assert LiveServer.current is not None
    with LiveServer.current.app.app_context():
        body = db.session.scalar(sa.select(MailMessage.body).where(MailMessage.to_address == email)
                                 .order_by(MailMessage.id.desc()))
    match = re.search(r"(/signup/[\w-]+)", body or "")
    assert match, f"no sign-up mail to {email}"
    return match.group(1)


def sign_up(page, name: str | None = None) -> str:
    """Sign up through the form and the link of the mail; returns the e-mail."""
    name = name or unique("Tester ")
    email = f"{name.lower().replace(' ', '.')}.{next(_seq)}@example.com"
    page.goto("/signup")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(lambda url: url.endswith("/signup/sent"))
    page.goto(_signup_link(email))
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(lambda url: "/signup" not in url)
    return email


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture(scope="session")
def sample(live_server):
    """Data for the pages that only need to be seen: a company, a product with two versions, ideas, a comment,
    ratings. Written with the services, as the app would. Returns slugs, ids and the owner's e-mail."""
    from argon2 import PasswordHasher

    from cocreate.auth.models import User
    from cocreate.companies.models import Company, Membership, Role
    from cocreate.extensions import db, utcnow
    from cocreate.ideas import services as ideas
    from cocreate.maturity import services as maturity
    from cocreate.products.models import Version
    from cocreate.products.services import create_product

    hashed = PasswordHasher(time_cost=1, memory_cost=64).hash(PASSWORD)
    with live_server.app.app_context():
        owner = User(name="Olivia Owner", email="owner@sample.example", password_hash=hashed,
                     email_verified_at=utcnow())
        customers = [User(name=f"Customer {i}", email=f"customer{i}@sample.example", password_hash=hashed,
                          email_verified_at=utcnow()) for i in range(3)]
        db.session.add_all([owner, *customers])
        company = Company(name="Sample Works", slug="sample-works")
        db.session.add(company)
        db.session.flush()
        db.session.add(Membership(company_id=company.id, user_id=owner.id, role=Role.OWNER))
        product = create_product(company, name="Sample Scanner", slug="sample-scanner", tagline="Scans samples",
                                 description="A *sample* product.")
        db.session.flush()
        for label, days in (("v1", 30), ("v2", 3)):
            db.session.add(Version(product_id=product.id, label=label, notes="Notes", notes_html="<p>Notes</p>",
                                   released_on=date.today() - timedelta(days=days)))
        db.session.flush()
        db.session.refresh(product)
        idea = ideas.create_idea(product, customers[0], title="Export scans as PDF",
                                 description="So I can **share** them.")
        ideas.create_idea(product, customers[1], title="Dark mode for night shifts")
        ideas.set_vote(idea, customers[1], True)
        ideas.add_comment(idea, customers[2], "Yes please, PDF export would help.")
        touchpoints = maturity.active_touchpoints(product)
        for i, customer in enumerate(customers):
            maturity.save_rating(customer, product, product.current_version, {t.id: 3 + i % 3 for t in touchpoints},
                                 expected=4, returning=False)
        maturity.refresh_stage(product)
        db.session.commit()
        return {"company": company.slug, "product": product.slug, "idea": idea.id, "owner": owner.email,
                "customer": customers[0].email}
