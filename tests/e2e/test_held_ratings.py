"""Held ratings in a browser (issue 16, cocreate/maturity/holds.py): three new accounts rate one product within
minutes; each reads that its rating counts once reviewed; the team, on a phone, sees the three with the reason and
lets them count with a note that appears in the stage history."""

import re

import pytest

from tests.e2e.conftest import PHONE, sign_up
from tests.e2e.test_flows import create_company_and_product

pytestmark = pytest.mark.browser


def rate_all_fives(page, slug: str) -> None:
    page.goto(f"/p/{slug}/rate")
    for group in page.locator("fieldset.score-group").all()[:6]:
        group.get_by_label("5", exact=True).check()
    page.get_by_role("button", name=re.compile("Send my rating")).click()
    page.get_by_text(re.compile("Your rating of .* is saved")).first.wait_for()


def test_a_burst_of_new_accounts_is_held_and_the_team_lets_it_count_on_a_phone(new_page):
    team = new_page(viewport=PHONE)
    sign_up(team, "Hanna Holder")
    slug = create_company_and_product(team)

    raters = []
    for n in range(3):
        rater = new_page()
        sign_up(rater, f"Quick Fan {n}")
        rate_all_fives(rater, slug)
        raters.append(rater)
    raters[0].goto(f"/p/{slug}/rate")  # the first of the burst is held with the third
    assert "Counts once reviewed." in raters[0].locator("#rating").inner_text()

    team.goto(f"/p/{slug}/maturity")
    held = team.locator("#held")
    assert "3 ratings held for review" in held.inner_text()
    assert held.inner_text().count("part of a burst of new accounts") == 3
    assert team.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    credibility = team.locator("#credibility").inner_text()
    assert "0 counted, 3 held" in credibility

    team.get_by_label("Why may they count?").fill("Our first testers, invited at the office today.")
    team.get_by_role("button", name="Let the chosen ratings count").click()
    team.get_by_text("3 held ratings count from now on").wait_for()
    history = team.locator("section", has=team.get_by_role("heading", name="Stage history")).inner_text()
    assert "let 3 held ratings count" in history and "Our first testers, invited at the office today." in history
    assert "3 counted, 0 held" in team.locator("#credibility").inner_text()
