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


def failing_posts(route):
    """Every POST answers 500 (the server broke); everything else goes through."""
    if route.request.method == "POST":
        route.fulfill(status=500, body="<main><h1>Our mistake</h1><p>Something broke on our side.</p></main>",
                      content_type="text/html")
    else:
        route.continue_()


def _vote(page, sample):
    page.goto(f"/p/{sample['product']}/ideas")
    page.locator("div.vote button").first.click()


def _reply(page, sample):
    page.goto(f"/p/{sample['product']}/ideas/{sample['idea']}")
    page.locator("details.reply-box summary").first.click()
    page.get_by_label("Your reply").first.fill("A reply")
    page.locator("details.reply-box button[type=submit]").first.click()


def _follow(page, sample):
    page.goto(f"/p/{sample['product']}/ideas/{sample['idea']}")
    page.locator(".follow button[type=submit]").first.click()


def _status(page, sample):
    page.goto(f"/p/{sample['product']}/ideas/{sample['idea']}")
    page.get_by_role("button", name="Save status").click()


def _rating(page, sample):
    page.goto(f"/p/{sample['product']}/rate")
    page.locator("#rating button[type=submit]").click()


def _self_assessment(page, sample):
    page.goto(f"/p/{sample['product']}/self-assessment")
    page.get_by_role("button", name="Save the self-assessment").click()


def _shortlist(page, sample):
    page.goto(f"/c/{sample['company']}/ambassadors")
    page.locator("form[hx-post$='/ambassadors/shortlist'] button[type=submit]").first.click()


def _notifications(page, sample):
    page.goto("/notifications")
    page.get_by_role("button", name="Mark all as read").click()


def _prepare(who: str, sample) -> None:
    """What must exist before the form is shown: contribution scores for the shortlist, a notification to read."""
    from cocreate.ambassadors.scores import refresh_all
    from cocreate.auth.models import User
    from cocreate.extensions import db
    from cocreate.notifications.services import notify
    from tests.e2e.conftest import LiveServer

    assert LiveServer.current is not None
    with LiveServer.current.app.app_context():
        refresh_all()
        user = db.session.scalar(db.select(User).where(User.email == sample[who]))
        notify(user, "test", subject="Something happened", body="", url="/")
        db.session.commit()


HTMX_FORMS = {  # form: (who, how to send it)
    "vote": ("customer", _vote), "reply": ("customer", _reply), "follow": ("customer", _follow),
    "rating": ("customer", _rating), "notifications": ("customer", _notifications),
    "status": ("owner", _status), "self-assessment": ("owner", _self_assessment), "shortlist": ("owner", _shortlist),
}


@pytest.mark.parametrize("form", sorted(HTMX_FORMS))
def test_every_htmx_form_says_when_the_server_fails(page, sample, form):
    who, send = HTMX_FORMS[form]
    _prepare(who, sample)
    log_in(page, sample[who])
    page.route("**/*", failing_posts)
    send(page, sample)
    alert = page.locator(".htmx-failure[role=alert]")
    alert.wait_for()
    assert "Something broke on our side." in alert.inner_text()
