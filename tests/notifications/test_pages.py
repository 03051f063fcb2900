"""Following, the bell and the list, the changelog, the promises page and the team digest."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from cocreate.ideas.models import Idea, Status
from cocreate.ideas.services import add_comment, change_status, set_vote
from cocreate.maturity import promises
from cocreate.notifications import follows, services
from cocreate.notifications.digests import queue_team_digests
from cocreate.notifications.models import MailMessage, Notification
from cocreate.products.models import Visibility
from tests import factories
from tests.conftest import count_queries, login
from tests.notifications.test_events_mail import send_mail, team_product

HTMX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}


# --- Following ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, HTMX, BOOSTED], ids=["plain", "htmx", "boosted"])
def test_follow_and_unfollow_an_idea(client, user, headers):
    _, product = team_product()
    idea = factories.idea(product, factories.UserFactory(), title="Bigger saddle")
    login(client, user)
    assert "Follow this idea" in client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    response = client.post(f"/p/bike/ideas/{idea.id}/follow", headers=headers)
    if headers == HTMX:
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "<html" not in html and "Following this idea" in html
    elif headers == BOOSTED:
        assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"/p/bike/ideas/{idea.id}")
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith(f"/p/bike/ideas/{idea.id}")
    assert follows.is_following(user, idea=idea)
    assert client.post(f"/p/bike/ideas/{idea.id}/unfollow", headers=headers).status_code in (200, 204, 303)
    assert not follows.is_following(user, idea=idea)


def test_explicit_unfollow_survives_votes_and_comments(client, user):
    team, product = team_product()
    idea = factories.idea(product, factories.UserFactory())
    login(client, user)
    client.post(f"/p/bike/ideas/{idea.id}/unfollow")
    set_vote(idea, user, True)
    add_comment(idea, user, "Nice")
    change_status(idea, team, Status.PLANNED)
    db.session.commit()
    assert not follows.is_following(user, idea=idea)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id)) == 0
    # Following again by hand works.
    client.post(f"/p/bike/ideas/{idea.id}/follow")
    change_status(idea, team, Status.IN_PROGRESS)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id)) == 1


def test_product_followers_hear_about_every_idea(client, user):
    team, product = team_product()
    login(client, user)
    assert client.post("/p/bike/follow").status_code == 303
    assert "Following Bike" in client.get("/p/bike").get_data(as_text=True)
    idea = factories.idea(product, factories.UserFactory(), title="Kickstand")
    change_status(idea, team, Status.PLANNED)
    db.session.commit()
    assert [n.subject for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))] \
        == ["“Kickstand” is now planned"]


def test_following_needs_login(client):
    _, product = team_product()
    idea = factories.idea(product, factories.UserFactory())
    anonymous = client.post(f"/p/bike/ideas/{idea.id}/follow")
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
    assert "Log in</a> to follow this idea" in client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)


def test_following_needs_csrf_and_a_visible_target(client, user, csrf):
    _, product = team_product()
    idea = factories.idea(product, factories.UserFactory())
    private = factories.ProductFactory(slug="secret", visibility=Visibility.PRIVATE)
    hidden = factories.idea(private, factories.UserFactory())
    from tests.conftest import csrf_token

    client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": csrf_token(client)})
    assert client.post(f"/p/bike/ideas/{idea.id}/follow").status_code == 400  # no CSRF token

    token = csrf_token(client, f"/p/bike/ideas/{idea.id}")
    assert client.post(f"/p/secret/ideas/{hidden.id}/follow", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/p/bike/ideas/{hidden.id}/follow", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/p/bike/ideas/{2**63}/follow", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/p/bike/ideas/{idea.id}/follow", data={"csrf_token": token}).status_code == 303


# --- The bell and the list ---------------------------------------------------------------------------

def _notes(user, n):
    for i in range(n):
        services.notify(user, "test", subject=f"Update <b>{i}</b>", body="", url=f"/p/bike/ideas/{i}")
    db.session.commit()


def test_bell_shows_the_unread_count(client, user):
    login(client, user)
    assert "bell-count" not in client.get("/").get_data(as_text=True)
    _notes(user, 3)
    html = client.get("/").get_data(as_text=True)
    assert 'class="bell-count">3<' in html
    _notes(user, 100)
    assert 'class="bell-count">99+<' in client.get("/").get_data(as_text=True)


def _statements_of(client, path):
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)
    return statements


def test_bell_costs_one_query_and_no_write(client, user):
    login(client, user)
    anonymous_like = _statements_of(client, "/products")
    _notes(user, 30)
    with_unread = _statements_of(client, "/products")
    assert len(with_unread) == len(anonymous_like)  # one count, whatever the number of notifications
    assert sum("notifications" in s for s in with_unread) == 1
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in with_unread)


def test_mark_one_read_plain_and_htmx(client, user):
    _notes(user, 2)
    first, second = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    login(client, user)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Update &lt;b&gt;0&lt;/b&gt;" in page and "<b>0</b>" not in page  # inert
    response = client.post(f"/notifications/{first.id}/read")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"
    assert db.session.get(Notification, first.id).read_at is not None
    response = client.post(f"/notifications/{second.id}/read", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="notifications"' in html and 'id="bell"' in html and 'hx-swap-oob="true"' in html
    assert f'hx-post="/notifications/{second.id}/read"' in page
    assert "bell-count" not in html  # nothing unread any more
    boosted = client.post(f"/notifications/{second.id}/read", headers=BOOSTED)
    assert boosted.status_code == 204 and boosted.headers["HX-Redirect"] == "/notifications"


def test_opening_a_notification_reads_it(client, user):
    """Issue 14.10: opening a notification left it unread."""
    _notes(user, 1)
    note = db.session.scalar(sa.select(Notification))
    note.url = "/p/bike/ideas/7"
    db.session.commit()
    login(client, user)
    page = client.get("/notifications").get_data(as_text=True)
    assert f'action="/notifications/{note.id}/open"' in page
    assert 'href="/p/bike/ideas/7"' not in page  # a plain link would leave it unread
    response = client.post(f"/notifications/{note.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/p/bike/ideas/7"
    assert db.session.get(Notification, note.id).read_at is not None and services.unread_count(user) == 0
    again = client.post(f"/notifications/{note.id}/open")  # a read one still opens
    assert again.status_code == 303 and again.headers["Location"] == "/p/bike/ideas/7"


def test_opening_goes_only_to_a_page_of_the_site_and_only_ones_own(client, user):
    _notes(user, 1)
    other = factories.UserFactory()
    _notes(other, 1)
    mine, theirs = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    mine.url = "https://evil.example/phish"
    db.session.commit()
    login(client, user)
    assert client.post(f"/notifications/{mine.id}/open").headers["Location"] == "/notifications"
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    assert client.post(f"/notifications/{2**63}/open").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None


def test_opening_needs_the_csrf_token(client, user, csrf):
    _notes(user, 1)
    note = db.session.scalar(sa.select(Notification))
    from tests.conftest import csrf_token

    client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": csrf_token(client)})
    assert client.post(f"/notifications/{note.id}/open").status_code == 400
    assert db.session.get(Notification, note.id).read_at is None


def test_mark_all_read(client, user):
    _notes(user, 3)
    other = factories.UserFactory()
    _notes(other, 1)
    login(client, user)
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "3 notifications marked as read." in response.get_data(as_text=True)
    assert services.unread_count(user) == 0 and services.unread_count(other) == 1
    html = client.post("/notifications/read-all", headers=HTMX).get_data(as_text=True)
    assert "<html" not in html and "Mark all as read" not in html


def test_someone_elses_notification_is_a_404(client, user):
    other = factories.UserFactory()
    _notes(other, 1)
    note = db.session.scalar(sa.select(Notification))
    login(client, user)
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    assert client.post(f"/notifications/{2**63}/read").status_code == 404
    assert db.session.get(Notification, note.id).read_at is None
    assert client.get("/notifications").status_code == 200


def test_the_list_needs_login(client):
    assert client.get("/notifications").status_code in (302, 303)
    assert client.post("/notifications/read-all").status_code in (302, 303, 401)


# --- Changelog ---------------------------------------------------------------------------------------

def test_version_page_lists_the_ideas_it_shipped(client):
    team, product = team_product()
    v1 = factories.VersionFactory(product=product, label="v0.1")
    v2 = factories.VersionFactory(product=product, label="v0.2")
    shipped = factories.idea(product, factories.UserFactory(name="Ada"), title="Kickstand")
    other = factories.idea(product, factories.UserFactory(), title="Bell in v0.1")
    change_status(shipped, team, Status.SHIPPED, shipped_version_id=v2.id)
    change_status(other, team, Status.SHIPPED, shipped_version_id=v1.id)
    db.session.commit()
    html = client.get(f"/p/bike/versions/{v2.id}").get_data(as_text=True)
    assert "Kickstand" in html and "suggested by Ada" in html and "Bell in v0.1" not in html
    assert f'/p/bike/versions/{v2.id}"' in client.get("/p/bike").get_data(as_text=True)  # linked from the timeline
    assert client.get(f"/p/bike/versions/{v1.id + 100}").status_code == 404
    assert client.get(f"/p/bike/versions/{2**63}").status_code == 404
    private = factories.ProductFactory(slug="secret", visibility=Visibility.PRIVATE)
    hidden = factories.VersionFactory(product=private)
    assert client.get(f"/p/secret/versions/{hidden.id}").status_code == 404
    assert client.get(f"/p/bike/versions/{hidden.id}").status_code == 404


# --- Promises and response times ---------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TODAY = NOW.date()


def _fixed_product(product):
    """Ten answered ideas (1 … 10 hours), two waiting, four promises (one kept, one late, one overdue,
    one not yet due)."""
    for hours in range(1, 11):
        created = NOW - timedelta(days=20)
        db.session.add(Idea(product_id=product.id, title=f"Answered in {hours} h", created_at=created,
                            first_response_at=created + timedelta(hours=hours)))
    db.session.add(Idea(product_id=product.id, title="Waiting longest", created_at=NOW - timedelta(days=9)))
    db.session.add(Idea(product_id=product.id, title="Waiting a bit", created_at=NOW - timedelta(days=2)))
    db.session.add(Idea(product_id=product.id, title="Declined, never answered", status=Status.DECLINED,
                        created_at=NOW - timedelta(days=30)))
    answered = NOW - timedelta(days=40)
    for title, promised, shipped, status in (
        ("Kept", date(2026, 5, 1), date(2026, 4, 28), Status.SHIPPED),
        ("Late", date(2026, 5, 1), date(2026, 5, 9), Status.SHIPPED),
        ("Overdue", date(2026, 5, 20), None, Status.IN_PROGRESS),
        ("Not yet due", date(2026, 7, 1), None, Status.PLANNED),
    ):
        db.session.add(Idea(product_id=product.id, title=title, status=status, promised_on=promised,
                            shipped_on=shipped, created_at=answered, first_response_at=answered + timedelta(hours=5)))
    db.session.commit()


def test_figures_on_fixed_data():
    _, product = team_product()
    _fixed_product(product)
    report = promises.reports([product], today=TODAY, now=NOW)[product.id]
    assert [i.title for i in report.overdue] == ["Overdue"]
    assert (report.kept, report.due) == (round(1 / 3, 6), 3)  # kept, late, overdue are due; one kept
    assert report.answered == 14  # 10 + the four promised ideas (5 h each)
    # hours: 1..10 and 5,5,5,5 → sorted 1 2 3 4 5 5 5 5 5 6 7 8 9 10
    assert report.median_hours == 5.0
    assert report.p90_hours == pytest.approx(8.7)
    assert [i.title for i in report.waiting] == ["Waiting longest", "Waiting a bit"]


def test_percentile_interpolates_between_ranks():
    hours = [timedelta(hours=h) for h in range(1, 11)]
    assert promises.percentile_hours(hours, 0.9) == pytest.approx(9.1)
    assert promises.percentile_hours(hours, 0.5) == pytest.approx(5.5)
    assert promises.percentile_hours([timedelta(hours=3)], 0.9) == 3
    assert promises.percentile_hours([], 0.9) is None


def test_promises_page_for_the_team_only(app, client, user):
    team, product = team_product()
    _fixed_product(product)
    marketing = factories.member(product.company, Role.MARKETING)
    assert client.get("/p/bike/promises").status_code in (302, 303)
    for outsider in (user, marketing):
        other = app.test_client()
        login(other, outsider)
        assert other.get("/p/bike/promises").status_code == 403
        assert other.get(f"/c/{product.company.slug}/promises").status_code == 403
    login(client, team)
    html = client.get("/p/bike/promises").get_data(as_text=True)
    assert "Overdue" in html and "Waiting longest" in html and 'id="median"' in html
    company = client.get(f"/c/{product.company.slug}/promises")
    assert company.status_code == 200 and "Bike" in company.get_data(as_text=True)
    assert f"/c/{product.company.slug}/promises" in client.get(f"/c/{product.company.slug}").get_data(as_text=True)
    assert "/promises" not in app.test_client().get(f"/c/{product.company.slug}").get_data(as_text=True)


def test_company_page_queries_do_not_grow_with_products(client):
    team, product = team_product()
    login(client, team)
    client.get(f"/c/{product.company.slug}/promises")
    with count_queries() as few:
        client.get(f"/c/{product.company.slug}/promises")
    for i in range(5):
        other = factories.ProductFactory(company=product.company, slug=f"p{i}")
        factories.idea(other, factories.UserFactory(), title=f"Idea {i}")
    with count_queries() as many:
        assert client.get(f"/c/{product.company.slug}/promises").status_code == 200
    assert many() == few()


# --- The team digest ---------------------------------------------------------------------------------

def test_weekly_team_digest_goes_to_product_owners(client, runner, smtp):
    team, product = team_product()
    owner = factories.member(product.company, Role.OWNER)
    marketing = factories.member(product.company, Role.MARKETING)
    factories.idea(product, factories.UserFactory(), title="Fresh idea")
    late = factories.idea(product, factories.UserFactory(), title="Late promise")
    change_status(late, team, Status.PLANNED, promised_on=date.today() + timedelta(days=1))
    late.promised_on = date.today() - timedelta(days=3)  # made earlier; its day has passed
    old = factories.idea(product, factories.UserFactory(), title="Old and unanswered")
    old.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    assert queue_team_digests("weekly") == 2
    db.session.commit()
    send_mail(runner)
    digests = [m for m in smtp.messages if m["Subject"] == "Your weekly Cocreate digest"]
    assert sorted(m["To"] for m in digests) == sorted([team.email, owner.email])
    assert marketing.email not in [m["To"] for m in digests]
    text = digests[0].get_content()
    new_part = text.split("Most-voted")[0]
    assert "Fresh idea" in new_part and "Old and unanswered" not in new_part
    assert "Old and unanswered" in text and "Late promise (promised for" in text
    with pytest.raises(KeyError):
        queue_team_digests("monthly")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)
                             .where(MailMessage.subject.like("%weekly%"))) == 2
