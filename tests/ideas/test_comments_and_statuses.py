"""Comments (threads, team badges, official responses) and status changes."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas import services
from cocreate.ideas.models import Comment, Idea, Status, StatusChange
from tests import factories
from tests.conftest import login


@pytest.fixture
def setup():
    product = factories.ProductFactory(slug="bike")
    team = factories.member(product.company, Role.PRODUCT)
    customer = factories.UserFactory(name="Customer Carla")
    idea = factories.idea(product, customer, title="Reserve a bike")
    return product, team, customer, idea


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"}])
def test_comment_plain_and_htmx(client, setup, headers):
    product, team, customer, idea = setup
    login(client, customer)
    response = client.post(f"/p/bike/ideas/{idea.id}/comments", data={"body": "I'd use it *daily*"}, headers=headers)
    comment = db.session.scalar(sa.select(Comment))
    if headers.get("HX-Request") and not headers.get("HX-Boosted"):
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "<html" not in html and 'id="comments"' in html and "<em>daily</em>" in html
    elif headers:
        assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"#comment-{comment.id}")
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith(f"#comment-{comment.id}")
    assert db.session.get(Idea, idea.id).comment_count == 1


def test_empty_or_huge_comment_is_refused_and_text_kept(client, setup):
    product, team, customer, idea = setup
    login(client, customer)
    assert client.post(f"/p/bike/ideas/{idea.id}/comments", data={"body": ""}).status_code == 400
    long = client.post(f"/p/bike/ideas/{idea.id}/comments", data={"body": "word " * 1100})
    assert long.status_code == 400 and "word word" in long.get_data(as_text=True)
    assert "Field cannot be longer than 5000 characters." in long.get_data(as_text=True)
    bad_parent = client.post(f"/p/bike/ideas/{idea.id}/comments", data={"body": "x", "parent_id": "abc"})
    assert bad_parent.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_threads_are_one_level_and_team_comments_are_badged(client, setup):
    product, team, customer, idea = setup
    top = services.add_comment(idea, customer, "Top level")
    reply = services.add_comment(idea, team, "Team reply", parent_id=top.id)
    deeper = services.add_comment(idea, customer, "Reply to the reply", parent_id=reply.id)
    db.session.commit()
    assert reply.is_team and not top.is_team
    assert deeper.parent_id == top.id  # attached to the thread, not nested deeper
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert page.index("Top level") < page.index("Team reply") < page.index("Reply to the reply")
    assert '<span class="badge team">Team</span>' in page


def test_reply_to_a_comment_of_another_idea_is_refused(client, setup):
    product, team, customer, idea = setup
    other = factories.idea(product, title="Other")
    foreign = services.add_comment(other, customer, "elsewhere")
    db.session.commit()
    login(client, customer)
    response = client.post(f"/p/bike/ideas/{idea.id}/comments", data={"body": "x", "parent_id": str(foreign.id)})
    assert response.status_code == 400 and "not on this idea" in response.get_data(as_text=True)


def test_edit_and_delete_own_comment_only(client, app, setup):
    product, team, customer, idea = setup
    mine = services.add_comment(idea, customer, "Original")
    services.add_comment(idea, team, "A reply", parent_id=mine.id)
    db.session.commit()
    other = app.test_client()
    login(other, factories.UserFactory())
    base = f"/p/bike/ideas/{idea.id}/comments/{mine.id}"
    assert other.post(f"{base}/edit", data={"body": "Hacked"}).status_code == 403
    assert other.post(f"{base}/delete").status_code == 403
    login(client, customer)
    assert client.post(f"{base}/edit", data={"body": "Edited"}).status_code == 303
    assert db.session.get(Comment, mine.id).body == "Edited"
    assert client.post(f"{base}/delete").status_code == 303
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert "This comment was deleted." in page and "A reply" in page and "Edited" not in page
    assert db.session.get(Idea, idea.id).comment_count == 1


def test_team_marks_one_official_response_shown_on_top(client, setup):
    product, team, customer, idea = setup
    services.add_comment(idea, customer, "Customer says")
    first = services.add_comment(idea, team, "First answer")
    second = services.add_comment(idea, team, "Better answer")
    db.session.commit()
    login(client, team)
    url = f"/p/bike/ideas/{idea.id}/comments/{{}}/official"
    assert client.post(url.format(first.id)).status_code == 303
    assert client.post(url.format(second.id), headers={"HX-Request": "true"}).status_code == 200
    idea = db.session.get(Idea, idea.id)
    assert idea.official_comment_id == second.id and idea.first_response_at is not None
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert page.index("Official response from") < page.index("Customer says")


def test_customer_comment_cannot_be_official_and_customers_cannot_mark(client, app, setup):
    product, team, customer, idea = setup
    theirs = services.add_comment(idea, customer, "Mine")
    db.session.commit()
    login(client, customer)
    assert client.post(f"/p/bike/ideas/{idea.id}/comments/{theirs.id}/official").status_code == 403
    team_client = app.test_client()
    login(team_client, team)
    response = team_client.post(f"/p/bike/ideas/{idea.id}/comments/{theirs.id}/official", follow_redirects=True)
    assert "Only a comment by the product team" in response.get_data(as_text=True)
    assert db.session.get(Idea, idea.id).official_comment_id is None


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_team_changes_status_with_promise_and_it_is_recorded(client, setup, headers):
    product, team, customer, idea = setup
    login(client, team)
    promised = date.today() + timedelta(days=20)
    response = client.post(f"/p/bike/ideas/{idea.id}/status", headers=headers, data={
        "status": "planned", "promised_on": promised.isoformat(), "note": "Coming in spring"})
    assert response.status_code == (200 if headers else 303)
    if headers:
        assert 'id="status"' in response.get_data(as_text=True) and "<html" not in response.get_data(as_text=True)
    idea = db.session.get(Idea, idea.id)
    assert idea.status == Status.PLANNED and idea.promised_on == promised and idea.first_response_at
    [change] = db.session.scalars(sa.select(StatusChange)).all()
    assert (change.actor_id, change.from_status, change.to_status, change.note, change.promised_on) == (
        team.id, Status.OPEN, Status.PLANNED, "Coming in spring", promised)
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert format_date(promised, "medium", locale="en") in page and "Coming in spring" in page  # the |date filter


def test_shipped_names_the_version(client, setup):
    product, team, customer, idea = setup
    version = factories.VersionFactory(product=product, label="v0.3")
    login(client, team)
    missing = client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "shipped"})
    assert missing.status_code == 400 and "Name the prototype version" in missing.get_data(as_text=True)
    foreign = factories.VersionFactory()
    assert client.post(f"/p/bike/ideas/{idea.id}/status",
                       data={"status": "shipped", "shipped_version_id": str(foreign.id)}).status_code == 400
    ok = client.post(f"/p/bike/ideas/{idea.id}/status",
                     data={"status": "shipped", "shipped_version_id": str(version.id)})
    assert ok.status_code == 303
    idea = db.session.get(Idea, idea.id)
    assert idea.status == Status.SHIPPED and idea.shipped_version_id == version.id
    assert idea.shipped_on == version.released_on


def test_promise_only_for_planned_or_in_progress(client, setup):
    product, team, customer, idea = setup
    login(client, team)
    response = client.post(f"/p/bike/ideas/{idea.id}/status", data={
        "status": "declined", "promised_on": "2027-01-01"})
    assert response.status_code == 400 and "Only planned or in-progress" in response.get_data(as_text=True)
    assert client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "merged"}).status_code == 400
    assert client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "bogus"}).status_code == 400
    assert db.session.get(Idea, idea.id).status == Status.OPEN


@pytest.mark.parametrize(("days_late", "verdict"), [(0, "promise kept"), (5, "promise broken")])
def test_shipping_a_promised_idea_is_one_step_and_keeps_the_promise(client, setup, days_late, verdict):
    """The status form comes back with the standing promise filled in: shipping with it is the natural step, and
    the promise stays the idea's, kept or broken by the version's date (issue 14.2)."""
    product, team, customer, idea = setup
    promised = date.today() - timedelta(days=10)
    version = factories.VersionFactory(product=product, label="v0.3", released_on=promised + timedelta(days=days_late))
    login(client, team)
    assert client.post(f"/p/bike/ideas/{idea.id}/status", data={
        "status": "planned", "promised_on": (date.today() + timedelta(days=1)).isoformat()}).status_code == 303
    db.session.get(Idea, idea.id).promised_on = promised  # promised earlier; shipping comes after its day
    db.session.commit()
    shipped = client.post(f"/p/bike/ideas/{idea.id}/status", data={  # what the pre-filled form sends
        "status": "shipped", "promised_on": promised.isoformat(), "shipped_version_id": str(version.id)})
    assert shipped.status_code == 303, shipped.get_data(as_text=True)
    idea = db.session.get(Idea, idea.id)
    assert (idea.status, idea.promised_on, idea.shipped_on) == (Status.SHIPPED, promised, version.released_on)
    last = db.session.scalars(sa.select(StatusChange).order_by(StatusChange.id.desc())).first()
    assert last.promised_on is None  # shipping made no new promise
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert verdict in page
    # Saving the shipped idea again: the form names its version now, and it goes through.
    assert f'<option selected value="{version.id}">' in page or f'value="{version.id}" selected' in page
    again = client.post(f"/p/bike/ideas/{idea.id}/status", data={
        "status": "shipped", "promised_on": promised.isoformat(), "shipped_version_id": str(version.id),
        "note": "Now with a note"})
    assert again.status_code == 303


def test_a_new_promise_in_the_past_is_refused_and_a_merged_idea_takes_no_comments(client, setup):
    product, team, customer, idea = setup
    login(client, team)
    past = client.post(f"/p/bike/ideas/{idea.id}/status", data={
        "status": "planned", "promised_on": (date.today() - timedelta(days=1)).isoformat()})
    assert past.status_code == 400 and "cannot be in the past" in past.get_data(as_text=True)
    into = factories.idea(product, title="The one that stays")
    services.merge(idea, into, team)
    db.session.commit()
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert "the discussion continues on the idea it was merged into" in page and 'name="body"' not in page
    with pytest.raises(services.IdeaError, match="merged"):
        services.add_comment(idea, customer, "Still here?")


def test_status_history_says_from_only_when_the_status_changed(client, setup):
    product, team, customer, idea = setup
    login(client, team)
    for note in ("First look", "Still looking"):
        assert client.post(f"/p/bike/ideas/{idea.id}/status",
                           data={"status": "under_review", "note": note}).status_code == 303
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert page.count("from open") == 1 and "from under review" not in page


def test_a_new_promise_on_a_status_without_one_is_still_refused(client, setup):
    product, team, customer, idea = setup
    login(client, team)
    promised = date.today() + timedelta(days=10)
    assert client.post(f"/p/bike/ideas/{idea.id}/status", data={
        "status": "planned", "promised_on": promised.isoformat()}).status_code == 303
    other = (promised + timedelta(days=1)).isoformat()
    refused = client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "declined", "promised_on": other})
    assert refused.status_code == 400 and "Only planned or in-progress" in refused.get_data(as_text=True)


def test_customer_and_other_company_cannot_change_status(client, app, setup):
    product, team, customer, idea = setup
    login(client, customer)
    assert client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "planned"}).status_code == 403
    outsider = app.test_client()
    login(outsider, factories.member(factories.CompanyFactory(), Role.OWNER))
    assert outsider.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "planned"}).status_code == 403
    marketing = app.test_client()
    login(marketing, factories.member(product.company, Role.MARKETING))
    assert marketing.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "planned"}).status_code == 403
    assert db.session.get(Idea, idea.id).status == Status.OPEN
    assert db.session.scalar(sa.select(sa.func.count(StatusChange.id))) == 0


def test_a_status_note_is_written_as_markdown_and_stays_inert(client, setup):
    """Issue 14.11: the status history showed the raw `**v0.3**`."""
    product, team, customer, idea = setup
    login(client, team)
    note = "Coming in **v0.3**, see [the plan](https://example.com/plan) <script>alert(1)</script>"
    response = client.post(f"/p/bike/ideas/{idea.id}/status", data={"status": "planned", "note": note})
    assert response.status_code == 303
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert "<strong>v0.3</strong>" in page and "**v0.3**" not in page
    assert 'href="https://example.com/plan"' in page and "<script>alert(1)</script>" not in page


def test_marking_a_comment_that_was_deleted_meanwhile_says_why_in_place(client, setup):
    """The refusal was flashed, which an htmx answer never shows: the click did nothing, silently."""
    from cocreate.ideas.services import add_comment

    product, team, customer, idea = setup
    answer = add_comment(idea, team, "We are on it.")
    answer.deleted_at = answer.created_at  # deleted in another tab after the page was shown
    db.session.commit()
    login(client, team)
    url = f"/p/bike/ideas/{idea.id}/comments/{answer.id}/official"
    response = client.post(url, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="comments"' in html and "<html" not in html
    assert "Only a comment by the product team can be the official response." in html
    plain = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "Only a comment by the product team can be the official response." in plain


def test_a_refused_reply_comes_back_in_its_own_reply_box_with_the_text(client, setup):
    from cocreate.ideas.services import add_comment

    product, team, customer, idea = setup
    first = add_comment(idea, team, "What do you think?")
    db.session.commit()
    login(client, customer)
    response = client.post(f"/p/bike/ideas/{idea.id}/comments", data={"body": "x" * 5001, "parent_id": first.id},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    box = html[html.index(f'id="reply-{first.id}"'):]
    assert "x" * 5001 in box[:6000] and "Field cannot be longer than 5000 characters." in box[:6000]
    assert '<details class="reply-box" open>' in html
