"""What only a browser's layout shows (issue 14.8 and 14.9): the team's pages fit a 390 px phone, and the version
timeline's dots stay on the timeline.

The phone test walks the site as each team role would: from the pages a member starts on, it follows every link
to a page of the site (a few of each kind: ten ideas look alike) and checks that none scrolls sideways
(document.documentElement.scrollWidth <= innerWidth).
"""

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import PASSWORD, PHONE, log_in

pytestmark = pytest.mark.browser

# Not pages: downloads, feeds, pictures, the API, one-time links, and what signs out.
SKIP = re.compile(r"(\.csv|\.atom|\.json|/images/|/api/|/export|/unsubscribe/|/static/|/logout|/signup/"
                  r"|/invitations/\w+/|/login|/signup$)")
MAX_PER_KIND = 2  # "/p/x/ideas/17" and "/p/x/ideas/18" are one kind of page
MAX_PAGES = 80


@pytest.fixture(scope="module")
def team(live_server, sample):
    """A product owner and a marketer beside the sample's owner, and a customer who agreed to be contacted with a
    long address (the leaderboard shows it): e-mails of the three team members by role."""
    from argon2 import PasswordHasher

    from cocreate.ambassadors.scores import refresh_all
    from cocreate.auth.models import User
    from cocreate.companies.models import Company, Membership, Role
    from cocreate.extensions import db, utcnow
    from cocreate.ideas import services as ideas
    from cocreate.products.models import Product

    hashed = PasswordHasher(time_cost=1, memory_cost=64).hash(PASSWORD)
    with live_server.app.app_context():
        company = db.session.scalar(db.select(Company).where(Company.slug == sample["company"]))
        product = db.session.scalar(db.select(Product).where(Product.slug == sample["product"]))
        emails = {"owner": sample["owner"]}
        # A second owner for the walks in Dutch and Italian: a language picked while signed in stays on the
        # account, and the sample's owner must stay English for the other browser tests.
        for key, role, name in (("product", Role.PRODUCT, "Pablo Product"), ("marketing", Role.MARKETING,
                                "Marta Marketing"), ("owner-abroad", Role.OWNER, "Olga Owner")):
            email = f"{key}.layout@sample.example"
            user = db.session.scalar(db.select(User).where(User.email == email))
            if user is None:
                user = User(name=name, email=email, password_hash=hashed)
                db.session.add(user)
                db.session.flush()
                db.session.add(Membership(company_id=company.id, user_id=user.id, role=role))
            emails[key] = email
        long_email = "maxima.oldenbarnevelt@sample.example"
        if db.session.scalar(db.select(User).where(User.email == long_email)) is None:
            fan = User(name="Maximiliana van Oldenbarnevelt", email=long_email, password_hash=hashed,
                       contact_opt_in=True, email_verified_at=utcnow())  # only verified accounts are ranked
            db.session.add(fan)
            db.session.flush()
            ideas.create_idea(product, fan, title="A longer battery life for the scanner, please")
        refresh_all()
        db.session.commit()
    return emails


def _kind(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(page, seeds: list[str]) -> list[str]:
    """Same-site pages reachable from the seeds by links, a few of each kind; returns the paths seen."""
    queue, seen, kinds = list(seeds), set(), {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or SKIP.search(path) or kinds.get(_kind(path), 0) >= MAX_PER_KIND:
            continue
        seen.add(path)
        kinds[_kind(path)] = kinds.get(_kind(path), 0) + 1
        response = page.goto(path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        yield path
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query and not parts.path.endswith("/ideas") else "")
            if target not in seen:
                queue.append(target)
    return


@pytest.mark.parametrize(("role", "locale"), [("owner", "en"), ("product", "en"), ("marketing", "en"), ("owner", "nl"),
                                             ("owner", "it")])
def test_no_team_page_scrolls_sideways_on_a_phone(new_page, sample, team, role, locale):
    """Dutch and Italian words are longer: a table that fits in English may not (the credibility table did not)."""
    page = new_page(viewport=PHONE)
    log_in(page, team[role if locale == "en" else "owner-abroad"])
    if locale != "en":
        page.select_option("#language-choice", locale)
        page.locator(".language-picker button").click()
        page.wait_for_load_state()
    seeds = ["/companies", f"/c/{sample['company']}", f"/c/{sample['company']}/promises",
             f"/c/{sample['company']}/ambassadors", f"/c/{sample['company']}/ambassadors/shortlist",
             f"/p/{sample['product']}", f"/p/{sample['product']}/maturity", f"/p/{sample['product']}/ideas",
             f"/p/{sample['product']}/ideas/{sample['idea']}", "/notifications", "/profile", "/board"]
    too_wide, visited = [], []
    for path in crawl(page, seeds):
        visited.append(path)
        width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > viewport:
            culprits = page.evaluate("""() => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(-3)
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""")
            too_wide.append(f"{path}: {width} px > {viewport} px ({', '.join(culprits)})")
    team_pages = [p for p in visited if p.startswith("/c/") or "/maturity" in p or "/touchpoints" in p]
    assert len(team_pages) >= 4, f"the walk reached too few team pages: {visited}"
    assert not too_wide, "\n".join(too_wide)


def test_the_leaderboard_shows_contact_and_shortlist_on_a_phone_and_keeps_addresses_whole(new_page, sample, team):
    page = new_page(viewport=PHONE)
    log_in(page, team["marketing"])
    page.goto(f"/c/{sample['company']}/ambassadors")
    row = page.locator("table.amb-board tbody tr", has_text="Maximiliana van Oldenbarnevelt")
    for column in ("Contact", "Shortlist"):
        box = row.locator(f"td[data-label='{column}']").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], column
    assert row.get_by_role("button", name="Shortlist").is_visible()
    # An address that fits on a line is written on one line: it used to break mid-word in a squeezed column.
    lines = row.locator(".amb-email").evaluate("""e => { const r = document.createRange(); r.selectNodeContents(e);
        return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }""")
    assert lines == 1


def test_the_timeline_styles_stay_out_of_a_versions_notes(page, sample, live_server):
    """Issue 14.8: bullets and pictures inside a version's notes got the timeline's dots and indent."""
    from cocreate.extensions import db
    from cocreate.products.models import Product
    from cocreate.text import render_markdown

    with live_server.app.app_context():
        product = db.session.scalar(db.select(Product).where(Product.slug == sample["product"]))
        version = product.versions[-1]
        version.notes = "What changed:\n\n- faster scans\n- a *quieter* fan\n"
        version.notes_html = render_markdown(version.notes)
        db.session.commit()
    page.goto(f"/p/{sample['product']}")
    bullet = page.locator(".timeline .prose li").first
    bullet.wait_for()
    assert bullet.evaluate("e => getComputedStyle(e).listStyleType") == "disc"  # the bullet the notes asked for
    assert bullet.evaluate("e => getComputedStyle(e, '::before').content") in ("none", "normal")
    assert bullet.evaluate("e => getComputedStyle(e).paddingLeft") == "0px"
    # A picture gallery inside a version (the same markup images/_gallery.html gives) gets no dot either.
    dot = page.evaluate("""() => { const li = document.querySelector('.timeline > li');
        const ul = document.createElement('ul'); ul.className = 'gallery'; const item = document.createElement('li');
        ul.appendChild(item); li.appendChild(ul); return getComputedStyle(item, '::before').content; }""")
    assert dot in ("none", "normal")
    own = page.locator(".timeline > li").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert own == '""'  # the timeline's own items keep their dot


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_the_ambassador_opt_in_checkbox_sits_beside_its_label(new_page, sample, viewport):
    """Issue 14.11: on a phone the checkbox floated above its (long) label."""
    page = new_page(viewport=viewport)
    log_in(page, sample["customer"])
    page.goto("/profile")
    box = page.get_by_label("Companies may contact me about ambassador programmes").bounding_box()
    label = page.locator("label", has_text="Companies may contact me").bounding_box()
    assert box and label
    assert box["x"] + box["width"] <= label["x"]  # to the left of its label
    assert label["y"] - 4 <= box["y"] <= label["y"] + 12  # on its first line, not above it
