"""Forms that update in place (htmx) show their refusals in place, and say so when the server or the network fails.

Without JavaScript the same forms post and the page comes back with the message (tests/ideas); here the browser
runs htmx, which by itself does not swap a 4xx answer: base.html's htmx-config swaps 400/409/422, and
static/js/app.js shows every other failure next to the form.
"""

from datetime import date, timedelta

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def open_idea_as_owner(page, sample):
    log_in(page, sample["owner"])
    page.goto(f"/p/{sample['product']}/ideas/{sample['idea']}")
    page.evaluate("window.__sameDocument = true")  # a full page load would lose it: the answer came in place


def test_a_refused_status_change_says_why_in_place(page, sample):
    open_idea_as_owner(page, sample)
    page.get_by_label("New status").select_option("declined")
    page.get_by_label("Promised date").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save status").click()
    page.get_by_text("Only planned or in-progress ideas carry a promised date.").wait_for()
    assert page.evaluate("window.__sameDocument") is True


def test_an_empty_comment_says_why_in_place(page, sample):
    open_idea_as_owner(page, sample)
    page.get_by_role("button", name="Comment", exact=True).click()
    page.locator("#comments .error, .error").first.wait_for()
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("p.error").count() >= 1


def test_a_server_failure_is_said_next_to_the_form(page, sample):
    open_idea_as_owner(page, sample)
    page.route("**/comments", lambda route: route.fulfill(status=500, body="<main><h1>Our mistake</h1>"
                                                          "<p>Something broke on our side.</p></main>",
                                                          content_type="text/html"))
    page.get_by_label("Comment", exact=True).fill("Hello")
    page.get_by_role("button", name="Comment", exact=True).click()
    alert = page.locator(".htmx-failure[role=alert]")
    alert.wait_for()
    assert "Something broke on our side." in alert.inner_text()
    assert page.get_by_label("Comment", exact=True).input_value() == "Hello"  # nothing the person typed is lost


def test_no_answer_at_all_is_said_too(page, sample):
    open_idea_as_owner(page, sample)
    page.route("**/comments", lambda route: route.abort())
    page.get_by_label("Comment", exact=True).fill("Hello again")
    page.get_by_role("button", name="Comment", exact=True).click()
    page.get_by_text("No answer from the server: nothing was saved.").wait_for()
