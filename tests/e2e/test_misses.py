"""Issue 17 in a browser, as the roles that use it: a customer rates with an emotion and a low score (a miss opens),
the team answers and closes the miss naming the fixing version, the customer rates that version and the miss is
recovered."""

import re
from datetime import date

import pytest

from tests.e2e.conftest import PHONE, sign_up
from tests.e2e.test_flows import create_company_and_product

pytestmark = pytest.mark.browser


def rate(page, slug: str, scores: list[int], expected: int, feelings: dict[int, str] | None = None) -> None:
    page.goto(f"/p/{slug}/rate")
    groups = page.locator("fieldset.score-group").all()
    for group, score in zip(groups[:6], scores, strict=True):
        group.get_by_label(str(score), exact=True).check()
    page.locator("fieldset.score-group", has_text="What did you expect").get_by_label(str(expected), exact=True).check()
    for index, feeling in (feelings or {}).items():
        if index < 0:  # the version as a whole
            page.locator("#feel_0 label.chip").filter(has=page.get_by_text(feeling, exact=True)).click()
            continue
        feel = page.locator("details.feel").nth(index)
        feel.locator("summary").click()
        feel.locator("label.chip").filter(has=page.get_by_text(feeling, exact=True)).click()
    page.get_by_role("button", name=re.compile("Send my rating|Save my changes")).click()
    page.get_by_text(re.compile("Your rating of .* is saved")).first.wait_for()


def test_a_miss_from_rating_to_recovery(new_page):
    team = new_page()
    sign_up(team, "Tess Team")
    slug = create_company_and_product(team)

    # The customer rates on a phone: Delivery 1 of 5, feeling dissatisfied, and sad about the version as a whole.
    customer = new_page(viewport=PHONE)
    sign_up(customer, "Cas Customer")
    rate(customer, slug, [4, 4, 4, 1, 4, 4], expected=4, feelings={3: "Dissatisfaction", -1: "Sadness"})
    noticed = customer.locator("div.my-misses")
    assert "Delivery" in noticed.inner_text() and "Noticed" in noticed.inner_text()
    assert customer.locator("#feel_0 input[value=sadness]").is_checked()

    # The team sees the miss with the emotion, and answers it.
    team.goto(f"/p/{slug}/misses")
    miss = team.locator("article.miss").first
    assert "Delivery" in miss.inner_text() and "Felt: Dissatisfaction" in miss.inner_text()
    team.get_by_label("Your answer to the customer").fill("Sorry! The courier was late; we are changing couriers.")
    team.get_by_role("button", name="Send the answer").click()
    team.get_by_text(re.compile("Your answer is sent to Cas Customer")).wait_for()

    # A new version ships; the team closes the miss naming it.
    team.goto(f"/p/{slug}/versions/new")
    team.get_by_label("Label").fill("v0.2")
    team.get_by_label("Release date").fill(date.today().isoformat())
    team.get_by_role("button", name="Add version").click()
    team.wait_for_url(re.compile(rf"/p/{slug}$"))
    team.goto(f"/p/{slug}/misses")
    team.get_by_text("Answer again or close it").click()
    team.get_by_label("Fixed in").select_option(label="v0.2")
    team.get_by_role("button", name="Close as fixed").click()
    team.get_by_text(re.compile("invited to rate v0.2")).wait_for()

    # The customer reads the answer, is invited to rate v0.2, rates Delivery 4 (what they expected): recovered.
    customer.goto("/notifications")
    assert "would you rate it again?" in customer.content()
    customer.goto(f"/p/{slug}/rate")
    customer.locator("div.my-misses").get_by_role("link", name="Delivery").click()
    assert "Sorry! The courier was late" in customer.content()
    rate(customer, slug, [4, 4, 4, 4, 4, 4], expected=4, feelings={3: "Satisfaction"})
    assert "Recovered" in customer.locator("div.my-misses").inner_text()

    team.goto(f"/p/{slug}/misses?state=closed")
    assert "Recovered" in team.locator("article.miss").first.inner_text()
    team.goto(f"/p/{slug}/maturity")
    panel = team.locator("#misses")
    assert "100%" in panel.inner_text()  # recovered: 1 of the 1 closed
