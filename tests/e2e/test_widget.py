"""The rating widget in Chromium, from a prototype page of another site (issue 18.3).

The prototype is served by a second little server on its own port under the host name ``prototype.test`` (mapped
to 127.0.0.1 by Chromium's resolver): another origin *and* another site than Cocreate's 127.0.0.1, so the frame is
a third-party frame, and Chromium runs with third-party cookies blocked. The widget must work all the same: the
frame's requests carry no cookie at all (checked), its token lives in the frame's memory.
"""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import CHROMIUM, LAUNCH_ARGS, PASSWORD

pytestmark = pytest.mark.browser

HOST = "prototype.test"
ARGS = [*LAUNCH_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1", "--test-third-party-cookie-phaseout"]


class Prototype:
    """A company's prototype page on its own port: ``page_for(token)`` sets what the next GET / answers."""

    def __init__(self):
        self.body = b""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                status, body = (200, owner.body) if self.path.split("?")[0] == "/" else (404, b"")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://{HOST}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def show(self, app_url: str, slug: str, token: str | None = None, touchpoint: int | None = None) -> None:
        extra = (f' data-token="{token}"' if token else "") + (f' data-touchpoint="{touchpoint}"' if touchpoint else "")
        self.body = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Prototype</title>"
                     f"<style>body{{font-family:serif}} button{{color:red}}</style></head><body><h1>Our prototype</h1>"
                     f"<script src='{app_url}/static/widget/embed.js' data-product='{slug}'{extra} async></script>"
                     f"</body></html>").encode()

    def close(self):
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture(scope="module")
def chromium(browser):
    """A Chromium of its own (third-party cookies blocked, the prototype's host name), launched by the session's
    Playwright: a second sync Playwright in the same thread is refused ("Sync API inside the asyncio loop")."""
    own = browser.browser_type.launch(executable_path=CHROMIUM, args=ARGS)
    yield own
    own.close()


@pytest.fixture(scope="module")
def prototypes():
    allowed, other = Prototype(), Prototype()
    yield allowed, other
    allowed.close()
    other.close()


@pytest.fixture
def widget_product(live_server, prototypes):
    """A fresh product of a company with a widget secret, that the first prototype's origin may show."""
    from cocreate.auth.models import User
    from cocreate.companies.models import Company, Membership, Role
    from cocreate.extensions import db
    from cocreate.products.models import Version
    from cocreate.products.services import create_product
    from cocreate.widget import services

    allowed, _other = prototypes
    with live_server.app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Company))
        company = Company(name=f"Widget Works {n}", slug=f"widget-works-{n}")
        from argon2 import PasswordHasher

        owner = User(name="Wanda Owner", email=f"wanda{n}@widget.example",
                     password_hash=PasswordHasher(time_cost=1, memory_cost=64).hash(PASSWORD))
        db.session.add_all([company, owner])
        db.session.flush()
        db.session.add(Membership(company_id=company.id, user_id=owner.id, role=Role.OWNER))
        product = create_product(company, name=f"Widget Scooter {n}", slug=f"widget-scooter-{n}")
        db.session.flush()
        from datetime import date

        db.session.add(Version(product_id=product.id, label="v0.1", notes="", notes_html="", released_on=date.today()))
        services.add_origin(product, allowed.origin)
        secret = services.new_secret(company).secret
        touchpoint = next(t.id for t in product.touchpoints if t.name == "Ease of use")
        db.session.commit()
        return {"slug": product.slug, "secret": secret, "touchpoint": touchpoint, "id": product.id,
                "owner": owner.email}


def _raters(live_server, product_id: int) -> int:
    from cocreate.extensions import db
    from cocreate.maturity.models import ProductFigures

    with live_server.app.app_context():
        row = db.session.get(ProductFigures, product_id)
        return 0 if row is None else row.figures["raters"]


def _open(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    requests = []  # the frame's calls to Cocreate; their headers are read at the end (not inside the handler)
    page.on("requestfinished", lambda request: requests.append(request)
            if "/widget/" in request.url and "/signin" not in request.url else None)
    return context, page, requests


def _with_cookies(requests) -> list[str]:
    assert requests, "the frame made no request to Cocreate"
    return [request.url for request in requests if "cookie" in request.all_headers()]


def _rate(frame, score: str = "4") -> None:
    frame.locator("fieldset.score-group").first.locator(f"label.score:has-text('{score}')").click()
    frame.get_by_label("I have used it before").check()
    frame.get_by_label("Anything to add?").fill("Unlocking took two taps.")
    frame.get_by_role("button", name="Send my rating").click()
    frame.locator("#cc-thanks").wait_for()


def _maturity_raters(page, live_server, slug: str, expected: str) -> str:
    """The raters the product's maturity page shows, once it shows ``expected`` or after 8 s: a visitor's page may
    come from the page cache for PAGE_CACHE_SECONDS (5 s)."""
    for _attempt in range(8):
        page.goto(f"{live_server.url}/p/{slug}/maturity")
        shown = page.locator("dt", has_text=re.compile(r"^Raters$")).locator("xpath=following-sibling::dd").first
        if shown.inner_text() == expected:
            break
        page.wait_for_timeout(1000)
    return shown.inner_text()


def test_a_signed_user_rates_from_the_prototype_and_the_board_moves(chromium, live_server, prototypes, widget_product):
    from cocreate.widget import services

    allowed, _other = prototypes
    with live_server.app.app_context():
        token = services.sign_identity(widget_product["secret"], email="rider@prototype.example", name="Rita Rider")
    allowed.show(live_server.url, widget_product["slug"], token, touchpoint=widget_product["touchpoint"])
    context, page, cookies_sent = _open(chromium, live_server)
    try:
        assert _raters(live_server, widget_product["id"]) == 0
        page.goto(allowed.origin + "/")
        frame = page.frame_locator("iframe")
        frame.get_by_role("button", name="Rate this").click()
        frame.get_by_text("Rating as Rita Rider.").wait_for()
        frame.get_by_role("heading", name=re.compile("Ease of use")).wait_for()
        # the host page's styles stay outside: the frame's button is not red serif
        color = frame.get_by_role("button", name="Send my rating").evaluate("b => getComputedStyle(b).color")
        assert color == "rgb(255, 255, 255)"
        _rate(frame)
        assert frame.locator('[data-figure="raters"]').inner_text() == "1"
        assert _raters(live_server, widget_product["id"]) == 1
        assert _maturity_raters(page, live_server, widget_product["slug"], "1") == "1"
        assert _with_cookies(cookies_sent) == []
    finally:
        context.close()


def test_a_customer_signs_in_with_cocreate_in_a_window_and_rates(chromium, live_server, prototypes, widget_product,
                                                                   sample):
    allowed, _other = prototypes
    allowed.show(live_server.url, widget_product["slug"])
    context, page, cookies_sent = _open(chromium, live_server)
    try:
        page.goto(allowed.origin + "/")
        frame = page.frame_locator("iframe")
        frame.get_by_role("button", name="Rate this").click()
        with page.expect_popup() as popup_info:
            frame.get_by_role("button", name="Sign in with Cocreate").click()
        popup = popup_info.value
        popup.get_by_label("E-mail").fill(sample["customer"])
        popup.get_by_label("Password").fill(PASSWORD)
        popup.get_by_role("button", name="Log in").click()
        popup.get_by_role("button", name=re.compile("^Continue as ")).click()
        popup.wait_for_event("close")
        frame.get_by_text("Rating as Customer 0.").wait_for()
        _rate(frame, "5")
        assert frame.locator('[data-figure="raters"]').inner_text() == "1"
        assert _raters(live_server, widget_product["id"]) == 1
        assert _with_cookies(cookies_sent) == []  # the frame never sent the session cookie the window had
    finally:
        context.close()


def test_a_site_that_is_not_allowed_cannot_show_the_widget(chromium, live_server, prototypes, widget_product):
    _allowed, other = prototypes
    other.show(live_server.url, widget_product["slug"])
    context, page, _cookies = _open(chromium, live_server)
    try:
        blocked = []
        page.on("console", lambda message: blocked.append(message.text) if "frame-ancestors" in message.text else None)
        page.goto(other.origin + "/")
        page.wait_for_timeout(1500)
        assert page.frame_locator("iframe").get_by_role("button", name="Rate this").count() == 0
        assert blocked, "Chromium did not report the frame-ancestors refusal"
    finally:
        context.close()


@pytest.fixture(scope="module")
def axe():
    module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="axe-playwright-python is not installed")
    return module.Axe()


def _serious(axe, page) -> list[str]:
    results = axe.run(page)
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_the_widget_and_its_settings_pass_axe(chromium, live_server, widget_product, axe):
    """The frame with its form open (loaded as a page of its own, so axe can run in it) and the owner's page, at
    phone width: no serious or critical violation."""
    from cocreate.widget import services
    from tests.e2e.conftest import log_in

    with live_server.app.app_context():
        token = services.sign_identity(widget_product["secret"], email="axe@prototype.example", name="Axel")
    context = chromium.new_context(viewport={"width": 390, "height": 800}, bypass_csp=True,
                                   base_url=live_server.url)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(f"/widget/{widget_product['slug']}#token={token}")
        page.get_by_role("button", name="Rate this").click()
        page.locator("form[data-widget-form]").wait_for()
        assert _serious(axe, page) == []
        page.locator("button[type=submit]").click()  # nothing scored: the refusal in place
        page.locator("#cc-body .cc-error").wait_for()
        assert _serious(axe, page) == []
        log_in(page, widget_product["owner"])
        page.goto(f"/p/{widget_product['slug']}/widget")
        assert page.get_by_role("heading", name="Rating widget").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
        assert _serious(axe, page) == []
    finally:
        context.close()
