"""What a customer and a product team do, in a real browser: with htmx, without JavaScript, on a phone."""

import re
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import PHONE, log_in, sign_up, unique

pytestmark = pytest.mark.browser


def create_company_and_product(page) -> str:
    """As a signed-up user: a company, a public product, a released version. Returns the product slug."""
    company = unique("Acme ")
    page.goto("/companies/new")
    page.get_by_label("Company name").fill(company)
    page.get_by_role("button", name="Create company").click()
    page.wait_for_url(re.compile(r"/c/[\w-]+$"))
    page.goto(page.url + "/products/new")
    name = unique("Gizmo ")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create product").click()
    page.wait_for_url(re.compile(r"/p/[\w-]+/versions/new$"))
    slug = page.url.split("/p/")[1].split("/")[0]
    page.get_by_label("Label").fill("v0.1")
    page.get_by_label("Release date").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Add version").click()
    page.wait_for_url(re.compile(rf"/p/{slug}$"))
    assert "v0.1" in page.content()
    return slug


def post_idea(page, slug: str, title: str) -> str:
    page.goto(f"/p/{slug}/ideas/new")
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Post idea").click()
    page.wait_for_url(re.compile(rf"/p/{slug}/ideas/\d+$"))
    return page.url


def vote_count(page) -> int:
    return int(page.locator("div.vote .vote-count").first.inner_text())


def test_team_and_customer_the_whole_way(new_page):
    team = new_page()
    sign_up(team, "Tina Team")
    slug = create_company_and_product(team)

    customer = new_page()
    sign_up(customer, "Carl Customer")
    post_idea(customer, slug, "Export reports as spreadsheet")

    # Similar ideas appear while typing a new title, without sending the form.
    customer.goto(f"/p/{slug}/ideas/new")
    customer.get_by_label("Title").press_sequentially("Spreadsheet export please", delay=20)
    suggestion = customer.locator("#similar").get_by_role("link", name="Export reports as spreadsheet")
    suggestion.wait_for()
    assert customer.url.endswith("/ideas/new")

    idea_url = post_idea(customer, slug, "Offline mode for trains")
    customer.evaluate("window.__sameDocument = true")
    assert vote_count(customer) == 1  # the author votes for their own idea

    # Un-vote and vote again: the count changes in place, the page is not reloaded.
    customer.locator("div.vote button").click()
    customer.locator("div.vote:not(.voted) .vote-count", has_text="0").wait_for()
    customer.locator("div.vote button").click()
    customer.locator("div.vote.voted .vote-count", has_text="1").wait_for()
    assert customer.evaluate("window.__sameDocument") is True

    # A comment appears below, still without a reload.
    customer.get_by_label(re.compile("comment", re.I)).first.fill("Trains have no signal in tunnels.")
    customer.get_by_role("button", name="Comment", exact=True).click()
    customer.locator("#comments").get_by_text("Trains have no signal in tunnels.").wait_for()
    assert customer.evaluate("window.__sameDocument") is True
    customer.reload()
    assert "Trains have no signal in tunnels." in customer.content()
    assert customer.url == idea_url

    # The customer rates the released version.
    customer.goto(f"/p/{slug}/rate")
    for group in customer.locator("fieldset.score-group").all()[:6]:
        group.get_by_label("4", exact=True).check()
    customer.get_by_role("button", name="Send my rating").click()
    customer.get_by_text(re.compile("Your rating of .* is saved")).first.wait_for()

    # The board shows the product in one of the stage columns.
    customer.goto("/board")
    column = customer.locator("section.stage-column", has=customer.get_by_text(re.compile(r"Gizmo \d+")))
    assert column.count() == 1
    assert column.locator("h2").inner_text().split()[0] in ("Prototype", "Good", "Good enough", "Excellent")


@pytest.mark.parametrize("mode", ["no-javascript", "phone"])
def test_core_path_without_javascript_and_on_a_phone(new_page, mode):
    options = {"java_script_enabled": False} if mode == "no-javascript" else {"viewport": PHONE, "is_mobile": True,
                                                                            "has_touch": True}
    team = new_page()
    sign_up(team)
    slug = create_company_and_product(team)

    page = new_page(**options)
    if mode == "phone":
        page.goto("/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    sign_up(page)
    idea_url = post_idea(page, slug, unique("Bigger buttons "))
    assert vote_count(page) == 1
    page.locator("div.vote button").click()  # without JavaScript: a POST, a 303 and the idea page again
    page.locator("div.vote:not(.voted) .vote-count", has_text="0").wait_for()
    page.locator("div.vote button").click()
    page.locator("div.vote.voted .vote-count", has_text="1").wait_for()
    page.get_by_label(re.compile("comment", re.I)).first.fill("Works for me " + mode)
    page.get_by_role("button", name="Comment", exact=True).click()
    page.get_by_text("Works for me " + mode).wait_for()
    assert page.url.split("#")[0] == idea_url
    if mode == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"


def test_voting_with_the_keyboard_only(new_page, sample):
    page = new_page()
    sign_up(page)
    page.goto(f"/p/{sample['product']}/ideas/{sample['idea']}")
    before = vote_count(page)
    button = page.locator("div.vote button")
    for _ in range(60):  # Tab from the top of the page until the vote button has the focus
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("the vote button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.locator("div.vote.voted .vote-count", has_text=str(before + 1)).wait_for()
    page.locator("div.vote button").focus()
    page.keyboard.press("Space")
    page.locator("div.vote:not(.voted) .vote-count", has_text=str(before)).wait_for()


def test_marketing_shortlists_an_ambassador(new_page, sample):
    """The owner (marketing rights) computes the scores and shortlists a contributor, in place (htmx)."""
    page = new_page()
    log_in(page, sample["owner"])
    page.goto(f"/c/{sample['company']}/ambassadors")
    page.get_by_role("button", name=re.compile("Compute scores|Recompute now")).click()
    row = page.locator("table.amb-board tr", has=page.get_by_role("link", name="Customer 0"))
    row.wait_for()
    page.evaluate("window.__sameDocument = true")
    row.get_by_role("button", name="Shortlist").click()
    row.locator(".badge", has_text="Candidate").wait_for()
    assert page.evaluate("window.__sameDocument") is True
    page.goto(f"/c/{sample['company']}/ambassadors/shortlist")
    assert "Customer 0" in page.content()


def _run_image_worker(page) -> None:
    """What the task worker does with the uploads waiting (the live server's app has no worker running)."""
    import sqlalchemy as sa

    from cocreate.extensions import db
    from cocreate.images.models import Image, ImageState
    from cocreate.images.services import process_waiting
    from tests.e2e.conftest import LiveServer

    assert LiveServer.current is not None
    with LiveServer.current.app.app_context():
        waiting = db.session.scalars(sa.select(Image.id).where(Image.state == ImageState.PROCESSING)).all()
        assert waiting and all(process_waiting(image_id) == "ready" for image_id in waiting)


@pytest.mark.parametrize("mode", ["javascript", "no-javascript"])
def test_team_adds_a_picture_and_a_dutch_visitor_switches_to_italian(new_page, tmp_path, mode):
    from PIL import Image

    photo = tmp_path / "prototype.jpg"
    Image.new("RGB", (1200, 900), "darkcyan").save(photo)
    team = new_page(java_script_enabled=mode == "javascript")
    sign_up(team)
    slug = create_company_and_product(team)
    team.goto(f"/p/{slug}")
    team.get_by_role("link", name="Images", exact=True).first.click()
    team.get_by_label("Image", exact=True).set_input_files(str(photo))
    team.get_by_label("What it shows").fill("The prototype on a desk")
    team.get_by_role("button", name="Upload").click()
    team.get_by_text("The image is uploaded.").wait_for()
    team.get_by_text("Processing…").wait_for()  # decoded by the worker (images/tasks.py), not the request
    _run_image_worker(team)

    visitor = new_page(locale="nl-NL", java_script_enabled=mode == "javascript")
    visitor.goto(f"/p/{slug}")
    assert visitor.locator("html").get_attribute("lang") == "nl"
    assert visitor.get_by_role("link", name="Volwassenheidsbord").is_visible()
    picture = visitor.get_by_role("img", name="The prototype on a desk")
    picture.wait_for()
    visitor.wait_for_function("img => img.complete", arg=picture.element_handle())  # loaded, not only in the DOM
    assert visitor.evaluate("img => img.naturalWidth", picture.element_handle()) == 640  # the thumbnail
    visitor.get_by_label("Taal").select_option("it")
    visitor.get_by_role("button", name="Wijzigen").click()
    visitor.get_by_role("link", name="Quadro di maturità").wait_for()
    assert visitor.url.endswith(f"/p/{slug}")  # back on the same page
