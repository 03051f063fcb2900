"""Votes (one per user, concurrent-safe), merging duplicates and undoing it."""

import re
import threading

import pytest
import sqlalchemy as sa

from cocreate import create_app
from cocreate.companies.models import Role
from cocreate.config import TestConfig
from cocreate.extensions import db
from cocreate.ideas import services
from cocreate.ideas.models import Idea, Status, Vote
from tests import factories
from tests.conftest import login


def votes_of(idea_id):
    return sorted(db.session.scalars(sa.select(Vote.user_id).where(Vote.idea_id == idea_id)))


@pytest.fixture
def idea():
    return factories.idea(factories.ProductFactory(slug="bike"), title="Vote on me")


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"}])
def test_vote_and_withdraw_plain_htmx_and_boosted(client, logged_in, idea, headers):
    url = f"/p/bike/ideas/{idea.id}/vote"
    response = client.post(url, data={"vote": "1", "next": "/p/bike/ideas"}, headers=headers)
    fragment = headers.get("HX-Request") and not headers.get("HX-Boosted")
    if fragment:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "<html" not in html and f'id="vote-{idea.id}"' in html
        assert '<span class="vote-count">2</span>' in html and 'aria-pressed="true"' in html
    elif headers:
        assert response.status_code == 204 and response.headers["HX-Redirect"] == "/p/bike/ideas"
    else:
        assert response.status_code == 303 and response.headers["Location"] == "/p/bike/ideas"
    assert db.session.get(Idea, idea.id).vote_count == 2
    # voting again changes nothing; withdrawing removes it
    client.post(url, data={"vote": "1"}, headers=headers)
    assert db.session.get(Idea, idea.id).vote_count == 2
    client.post(url, data={"vote": "0"}, headers=headers)
    assert db.session.get(Idea, idea.id).vote_count == 1
    assert logged_in.id not in votes_of(idea.id)


def test_vote_count_shows_on_lists(client, logged_in, idea):
    client.post(f"/p/bike/ideas/{idea.id}/vote", data={"vote": "1"})
    for path in ("/p/bike/ideas", "/p/bike", f"/p/bike/ideas/{idea.id}"):
        assert '<span class="vote-count">2</span>' in client.get(path).get_data(as_text=True), path


def test_bad_vote_values_and_anonymous(client, idea):
    anonymous = client.post(f"/p/bike/ideas/{idea.id}/vote", data={"vote": "1"})
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["Location"]
    login(client, factories.UserFactory())
    assert client.post(f"/p/bike/ideas/{idea.id}/vote", data={"vote": "7"}).status_code == 400
    assert client.post(f"/p/bike/ideas/{2**63}/vote", data={"vote": "1"}).status_code == 404
    assert client.post("/p/other/ideas/1/vote", data={"vote": "1"}).status_code == 404
    assert db.session.get(Idea, idea.id).vote_count == 1


@pytest.mark.parametrize("status", [Status.SHIPPED, Status.DECLINED])
def test_voting_is_closed_on_finished_ideas(client, logged_in, idea, status):
    team = factories.member(idea.product.company, Role.PRODUCT)
    version = factories.VersionFactory(product=idea.product)
    services.change_status(idea, team, status, shipped_version_id=version.id if status == Status.SHIPPED else None)
    db.session.commit()
    response = client.post(f"/p/bike/ideas/{idea.id}/vote", data={"vote": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 409 and "Voting is closed" in response.get_data(as_text=True)
    plain = client.post(f"/p/bike/ideas/{idea.id}/vote", data={"vote": "1"}, follow_redirects=True)
    assert "Voting is closed" in plain.get_data(as_text=True)
    assert db.session.get(Idea, idea.id).vote_count == 1


def _concurrent(app, fn, n=8):
    barrier = threading.Barrier(n)
    errors = []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                fn()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def threaded_app(app, tmp_path):
    """On SQLite, a file database (in-memory is one shared connection); PostgreSQL as configured."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'race.db'}"
        other = create_app(config)
        with other.app_context():
            db.create_all()
        yield other
        with other.app_context():
            db.engine.dispose()
    else:
        yield app


def test_concurrent_votes_by_one_user_count_once(threaded_app):
    with threaded_app.app_context():
        product = factories.ProductFactory()
        author, voter = factories.UserFactory(), factories.UserFactory()
        idea_id = services.create_idea(product, author, title="Race").id
        voter_id = voter.id
        db.session.commit()

    def vote():
        services.set_vote(db.session.get(Idea, idea_id), db.session.get(type(voter), voter_id), True)

    errors = _concurrent(threaded_app, vote)
    with threaded_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.idea_id == idea_id)) == 2
        assert db.session.get(Idea, idea_id).vote_count == 2
    # SQLite may refuse a writer with "database is locked" after its busy timeout; it must never double count.
    assert all("locked" in str(e) for e in errors), errors


def test_concurrent_votes_by_many_users_all_count(threaded_app):
    with threaded_app.app_context():
        idea_id = factories.idea(factories.ProductFactory()).id
        voter_ids = [factories.UserFactory().id for _ in range(8)]
    queue = list(voter_ids)
    lock = threading.Lock()

    def vote():
        with lock:
            user_id = queue.pop()
        from cocreate.auth.models import User
        services.set_vote(db.session.get(Idea, idea_id), db.session.get(User, user_id), True)

    errors = _concurrent(threaded_app, vote)
    assert errors == []
    with threaded_app.app_context():
        idea = db.session.get(Idea, idea_id)
        assert idea.vote_count == 9
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.idea_id == idea_id)) == 9


# --- Merges ------------------------------------------------------------------------------------------

@pytest.fixture
def duplicates():
    product = factories.ProductFactory(slug="bike")
    team = factories.member(product.company, Role.PRODUCT)
    alice, bob, carol, dave = (factories.UserFactory(name=n) for n in ("Alice", "Bob", "Carol", "Dave"))
    a = factories.idea(product, alice, title="Reserve a bike")
    b = factories.idea(product, bob, title="Hold a bike for me")
    for user in (carol, dave):
        services.set_vote(a, user, True)
    for user in (carol, alice):  # carol and alice voted on both
        services.set_vote(b, user, True)
    services.add_comment(b, dave, "Ten minutes would do")
    db.session.commit()
    return product, team, a, b, (alice, bob, carol, dave)


def test_merge_keeps_every_voter_exactly_once(client, duplicates):
    product, team, a, b, (alice, bob, carol, dave) = duplicates
    login(client, team)
    response = client.post(f"/p/bike/ideas/{b.id}/merge", data={"target_id": str(a.id), "note": "Same idea"})
    assert response.status_code == 303
    assert votes_of(a.id) == sorted(u.id for u in (alice, bob, carol, dave))
    a, b = db.session.get(Idea, a.id), db.session.get(Idea, b.id)
    assert a.vote_count == 4
    assert b.status == Status.MERGED and b.merged_into_id == a.id
    page = client.get(f"/p/bike/ideas/{b.id}").get_data(as_text=True)
    assert "This idea was merged into" in page and f"/p/bike/ideas/{a.id}" in page
    assert "Ten minutes would do" in page  # the duplicate's discussion stays readable
    assert "Hold a bike" not in client.get("/p/bike/ideas").get_data(as_text=True)
    closed = client.post(f"/p/bike/ideas/{b.id}/vote", data={"vote": "1"}, headers={"HX-Request": "true"})
    assert closed.status_code == 409


def test_undo_merge_restores_both_ideas(client, duplicates):
    product, team, a, b, users = duplicates
    before_a, before_b = votes_of(a.id), votes_of(b.id)
    login(client, team)
    client.post(f"/p/bike/ideas/{b.id}/merge", data={"target_id": str(a.id)})
    assert client.post(f"/p/bike/ideas/{b.id}/unmerge").status_code == 303
    assert votes_of(a.id) == before_a and votes_of(b.id) == before_b
    assert db.session.get(Idea, a.id).vote_count == len(before_a)
    restored = db.session.get(Idea, b.id)
    assert restored.status == Status.OPEN and restored.merged_into_id is None


@pytest.mark.parametrize("target", ["self", "other-product", "missing", "abc"])
def test_bad_merges_are_refused_with_a_message(client, duplicates, target):
    product, team, a, b, users = duplicates
    other = factories.idea(factories.ProductFactory())
    target_id = {"self": b.id, "other-product": other.id, "missing": 2**31 - 1, "abc": "abc"}[target]
    login(client, team)
    response = client.post(f"/p/bike/ideas/{b.id}/merge", data={"target_id": str(target_id)})
    assert response.status_code == 400
    assert db.session.get(Idea, b.id).status == Status.OPEN


def test_customers_cannot_merge(client, duplicates):
    product, team, a, b, (alice, *_rest) = duplicates
    login(client, alice)
    assert client.post(f"/p/bike/ideas/{b.id}/merge", data={"target_id": str(a.id)}).status_code == 403
    assert client.post(f"/p/bike/ideas/{b.id}/unmerge").status_code == 403
    assert db.session.get(Idea, b.id).status == Status.OPEN


def test_the_same_tags_saved_at_the_same_moment_is_no_500(threaded_app):
    """Found by wapiti: two requests saving the same tag on one idea raced into the unique (idea, tag) key."""
    from cocreate.companies.models import Role
    from cocreate.ideas.models import Tag

    with threaded_app.app_context():
        product = factories.ProductFactory()
        team = factories.member(product.company, Role.PRODUCT)
        idea_id = factories.idea(product).id
        tag_id = services.add_tag(product, "speed").id
        slug, token = product.slug, team.session_token
        db.session.commit()
    answers = []

    def save():
        client = threaded_app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = token
        answers.append(client.post(f"/p/{slug}/ideas/{idea_id}/tags", data={"tag_ids": str(tag_id)}).status_code)

    errors = _concurrent(threaded_app, save)
    assert all("locked" in str(e) for e in errors), errors
    assert answers and set(answers) <= {303, 503}  # 503: SQLite's busy writer, never a 500
    with threaded_app.app_context():
        assert [t.id for t in db.session.get(Idea, idea_id).tags] == [tag_id]
        assert db.session.get(Tag, tag_id) is not None


def test_a_vote_is_one_read_one_write_and_one_update_of_count_and_score(client, logged_in, idea):
    """The user (with their roles), then the product and idea in one read; the vote row with RETURNING; one UPDATE
    that moves the count and the trending score together; the voter follows the idea."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()).lower())

    url = f"/p/bike/ideas/{idea.id}/vote"
    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        assert client.post(url, data={"vote": "1"}, headers={"HX-Request": "true"}).status_code == 200
        cast = list(statements)
        statements.clear()
        assert client.post(url, data={"vote": "0"}, headers={"HX-Request": "true"}).status_code == 200
        withdrawn = list(statements)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)
    def about(statements: list[str], table: str) -> list[str]:
        return [s for s in statements if re.search(rf"\b{table}\b", s)]

    users = about(cast, "users")
    assert len(users) == 1 and "join memberships" in users[0], users  # the user and their roles: one query
    ideas = about(cast, "ideas")
    assert len(ideas) == 2, ideas  # one read, one write
    assert ideas[0].startswith("select") and "from products join ideas" in ideas[0]
    assert ideas[1].startswith("update ideas set vote_count=") and "hot=" in ideas[1] and "returning" in ideas[1]
    votes = about(cast, "votes")
    assert len(votes) == 1 and votes[0].startswith("insert into votes") and "returning" in votes[0], votes
    assert len(about(cast, "subscriptions")) == 1  # the voter follows the idea (notifications)
    ideas = about(withdrawn, "ideas")
    assert len(ideas) == 2 and ideas[1].startswith("update ideas") and "hot=" in ideas[1], ideas
    votes = about(withdrawn, "votes")
    assert len(votes) == 1 and votes[0].startswith("delete from votes") and "returning" in votes[0], votes
    fresh = db.session.get(Idea, idea.id)
    db.session.refresh(fresh)
    assert fresh.vote_count == 1
    assert fresh.hot == pytest.approx(services.hot_score(fresh.vote_count, fresh.comment_count, fresh.created_at),
                                      abs=1e-7)


def test_the_trending_score_follows_votes_and_comments(logged_in, idea):
    for user in [factories.UserFactory() for _ in range(9)]:
        services.set_vote(idea, user, True)
    services.add_comment(idea, logged_in, "Yes please")
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.vote_count, idea.comment_count) == (10, 1)
    assert idea.hot == pytest.approx(services.hot_score(10, 1, idea.created_at), abs=1e-7)
