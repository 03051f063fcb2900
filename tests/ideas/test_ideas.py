"""Submitting, editing, listing, searching and the roadmap."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas import services
from cocreate.ideas.models import Idea, Status, Tag, Vote
from tests import factories
from tests.conftest import count_queries, login


@pytest.fixture
def product():
    return factories.ProductFactory(slug="bike")


@pytest.fixture
def team(product):
    return factories.member(product.company, Role.PRODUCT)


def test_customer_submits_an_idea_and_votes_for_it(client, logged_in, product):
    response = client.post("/p/bike/ideas/new", data={"title": "Reserve a bike", "description": "For **10** min"})
    assert response.status_code == 303
    idea = db.session.scalar(sa.select(Idea))
    assert response.headers["Location"] == f"/p/bike/ideas/{idea.id}"
    assert idea.author_id == logged_in.id and idea.status == Status.OPEN and idea.vote_count == 1
    assert "<strong>10</strong>" in idea.description_html
    page = client.get(f"/p/bike/ideas/{idea.id}").get_data(as_text=True)
    assert "Reserve a bike" in page and 'aria-pressed="true"' in page


@pytest.mark.parametrize(("data", "message"), [
    ({"title": ""}, "This field is required."),
    ({"title": "x" * 121}, "Field cannot be longer than 120 characters."),
    ({"title": "ok", "touchpoint_id": "999999"}, "Not a valid choice"),
    ({"title": "ok", "touchpoint_id": "abc"}, "Not a valid choice"),
    ({"title": "ok", "version_id": str(2**63)}, "Not a valid choice"),
])
def test_bad_idea_input_is_refused_clearly_and_keeps_the_text(client, logged_in, product, data, message):
    response = client.post("/p/bike/ideas/new", data={"description": "keep this text", **data})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "keep this text" in page
    assert db.session.scalar(sa.select(sa.func.count(Idea.id))) == 0


def test_a_touchpoint_of_another_product_is_refused(client, logged_in, product):
    other = factories.ProductFactory()
    from cocreate.products.models import Touchpoint
    foreign = Touchpoint(product_id=other.id, name="Elsewhere")
    db.session.add(foreign)
    db.session.commit()
    response = client.post("/p/bike/ideas/new", data={"title": "ok", "touchpoint_id": str(foreign.id)})
    assert response.status_code == 400


def test_anonymous_cannot_post_ideas(client, product):
    response = client.post("/p/bike/ideas/new", data={"title": "Sneaky"})
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Idea.id))) == 0


def test_author_edits_until_the_team_responds(client, logged_in, product, team):
    idea = factories.idea(product, logged_in, title="Old title")
    assert client.post(f"/p/bike/ideas/{idea.id}/edit", data={"title": "New title"}).status_code == 303
    assert db.session.get(Idea, idea.id).title == "New title"
    services.change_status(db.session.get(Idea, idea.id), team, Status.UNDER_REVIEW)
    db.session.commit()
    assert client.get(f"/p/bike/ideas/{idea.id}/edit").status_code == 403
    assert client.post(f"/p/bike/ideas/{idea.id}/edit", data={"title": "Sneaky"}).status_code == 403
    assert db.session.get(Idea, idea.id).title == "New title"


def test_others_cannot_edit_an_idea(client, logged_in, product):
    idea = factories.idea(product, title="Theirs")
    assert client.post(f"/p/bike/ideas/{idea.id}/edit", data={"title": "Mine now"}).status_code == 403


def test_similar_ideas_are_suggested_while_typing(client, product):
    for title in ("Reserve a bike for ten minutes", "Reserve parking", "Dark mode", "Bike reservation app"):
        factories.idea(product, title=title)
    factories.idea(factories.ProductFactory(), title="Reserve a bike elsewhere")
    html = client.get("/p/bike/ideas/similar?title=reserve bike", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Reserve a bike for ten minutes" in html and "Bike reservation app" in html
    assert "elsewhere" not in html and "Dark mode" not in html
    assert "Reserve parking" not in html  # one word of two in common: not a duplicate (tests/ideas/test_similar.py)
    assert client.get("/p/bike/ideas/similar?title=").get_data(as_text=True).count("<li") == 0


def test_at_most_five_suggestions(client, product):
    for n in range(8):
        factories.idea(product, title=f"Faster unlock {n}")
    html = client.get("/p/bike/ideas/similar?title=faster").get_data(as_text=True)
    assert html.count("<li") == 5


@pytest.mark.parametrize("query", ["%", "_", "'", '"', "' OR 1=1--", "\"unclosed", "NEAR(a b)", "a* OR b",
                                   "title:x", "-", "\\", "\x00", "ü" * 300])
def test_search_with_hostile_input_neither_errors_nor_leaks(client, product, query):
    factories.idea(product, title="Visible idea about bikes")
    factories.idea(factories.ProductFactory(), title="Secret idea of another product")
    expected = 400 if "\x00" in query else 200  # NUL bytes are refused app-wide (cocreate/security.py)
    response = client.get("/p/bike/ideas", query_string={"q": query})
    assert response.status_code == expected
    page = response.get_data(as_text=True)
    assert "Secret idea" not in page
    similar = client.get("/p/bike/ideas/similar", query_string={"title": query})
    assert similar.status_code == expected and "Secret idea" not in similar.get_data(as_text=True)


def test_search_finds_by_words_and_prefixes(client, product):
    factories.idea(product, title="Battery level on the map", description="e-bikes run empty")
    factories.idea(product, title="Dark mode")
    page = client.get("/p/bike/ideas?q=batt").get_data(as_text=True)
    assert "Battery level" in page and "Dark mode" not in page
    assert "Battery level" in client.get("/p/bike/ideas?q=empty").get_data(as_text=True)
    assert "Battery level" not in client.get("/p/bike/ideas?q=battery+dark").get_data(as_text=True)


def test_sorts_and_filters(client, product, team):
    old = factories.idea(product, title="Old popular")
    new = factories.idea(product, title="New quiet")
    talked = factories.idea(product, title="Much discussed")
    voters = [factories.UserFactory() for _ in range(5)]
    for voter in voters:
        services.set_vote(old, voter, True)
    for _ in range(3):
        services.add_comment(talked, voters[0], "hm")
    old.created_at -= timedelta(days=30)
    services._refresh_hot(old)
    tag = Tag(product_id=product.id, name="maps")
    db.session.add(tag)
    new.tags = [tag]
    services.change_status(talked, team, Status.PLANNED)
    db.session.commit()

    def order(**params):
        page = client.get("/p/bike/ideas", query_string=params).get_data(as_text=True)
        titles = ["Old popular", "New quiet", "Much discussed"]
        return [t for t in sorted(titles, key=lambda t: page.find(t)) if t in page]

    assert order(sort="top")[0] == "Old popular"
    assert order(sort="new")[-1] == "Old popular"
    assert order(sort="discussed")[0] == "Much discussed"
    assert order(sort="trending")[-1] == "Old popular"  # 30 days old: decayed below fresh ideas
    assert order(status="planned") == ["Much discussed"]
    assert order(tag=str(tag.id)) == ["New quiet"]
    assert order(sort="nonsense", status="nonsense", tag="abc", page="-4") != []  # bad filters fall back


def test_hot_score_decays_with_age_and_grows_with_engagement():
    from datetime import UTC, datetime
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert services.hot_score(10, 0, now) > services.hot_score(1, 0, now)
    assert services.hot_score(1, 0, now) > services.hot_score(1, 0, now - timedelta(days=1))
    # ten times the engagement is worth exactly 12.5 hours
    assert services.hot_score(10, 0, now - timedelta(hours=12.5)) == pytest.approx(services.hot_score(1, 0, now))


def test_pagination(app, client, product):
    """Pages know whether a next one exists by fetching one idea more than they show (no count of all ideas)."""
    author = factories.UserFactory()
    for n in range(25):
        services.create_idea(product, author, title=f"Idea number {n:02d}")
    db.session.commit()
    first = client.get("/p/bike/ideas?sort=new").get_data(as_text=True)
    second = client.get("/p/bike/ideas?sort=new&page=2").get_data(as_text=True)
    assert "Idea number 24" in first and "Idea number 05" in first and "Idea number 04" not in first
    assert "Page 1" in first and "page=2" in first and "Newer page" not in first
    assert "Idea number 04" in second and "Idea number 00" in second and "Idea number 05" not in second
    assert "Page 2" in second and "Newer page" in second and "Next page" not in second
    services.create_idea(product, author, title="Idea number 25")  # 20 on page 1, 6 on page 2: still two pages
    db.session.commit()
    assert "Next page" not in client.get("/p/bike/ideas?sort=new&page=2").get_data(as_text=True)
    assert client.get("/p/bike/ideas?page=99").status_code == 200


def test_list_fragment_for_htmx(client, product):
    factories.idea(product, title="Fragmented")
    plain = client.get("/p/bike/ideas").get_data(as_text=True)
    fragment = client.get("/p/bike/ideas", headers={"HX-Request": "true"})
    boosted = client.get("/p/bike/ideas", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in plain and "<html" in boosted.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="idea-list"' in body and "Fragmented" in body
    assert "HX-Request" in fragment.headers["Vary"]


def _make_ideas(product, n):
    authors = [factories.UserFactory() for _ in range(3)]
    tag = Tag(product_id=product.id, name=f"t{n}")
    db.session.add(tag)
    for i in range(n):
        idea = services.create_idea(product, authors[i % 3], title=f"Idea {i}", tag_ids=[])
        idea.tags = [tag]
    db.session.commit()


@pytest.mark.parametrize("sort", ["trending", "top", "new", "discussed"])
def test_idea_list_queries_do_not_grow_with_rows(client, logged_in, sort):
    small, large = factories.ProductFactory(slug="small"), factories.ProductFactory(slug="large")
    _make_ideas(small, 5)
    _make_ideas(large, 50)
    client.get("/p/small/ideas")  # warm up
    with count_queries() as n_small:
        assert client.get(f"/p/small/ideas?sort={sort}").status_code == 200
    with count_queries() as n_large:
        assert client.get(f"/p/large/ideas?sort={sort}&per_page=50").status_code == 200
    assert n_small() == n_large()
    assert n_small() <= 12


def test_roadmap_columns(client, product, team):
    titles = ("Plan A", "Doing B", "Done C", "Open D")
    planned, doing, shipped, _open = (factories.idea(product, title=t) for t in titles)
    version = factories.VersionFactory(product=product, label="v0.9")
    services.change_status(planned, team, Status.PLANNED, promised_on=date.today() + timedelta(days=9))
    services.change_status(doing, team, Status.IN_PROGRESS)
    services.change_status(shipped, team, Status.SHIPPED, shipped_version_id=version.id)
    db.session.commit()
    page = client.get("/p/bike/roadmap").get_data(as_text=True)
    assert page.index("Plan A") < page.index("Doing B") < page.index("Done C")
    assert "Open D" not in page and "in v0.9" in page and "promised" in page


def test_product_page_shows_top_open_ideas(client, product, team):
    factories.idea(product, title="Open and loved")
    declined = factories.idea(product, title="Declined one")
    services.change_status(declined, team, Status.DECLINED)
    db.session.commit()
    page = client.get("/p/bike").get_data(as_text=True)
    assert "Open and loved" in page and "Declined one" not in page


def test_team_manages_tags_and_customers_cannot(client, logged_in, product, team, app):
    assert client.get("/p/bike/tags").status_code == 403
    assert client.post("/p/bike/tags", data={"name": "x"}).status_code == 403
    team_client = app.test_client()
    login(team_client, team)
    assert team_client.post("/p/bike/tags", data={"name": "Maps"}).status_code == 303
    again = team_client.post("/p/bike/tags", data={"name": "maps"})
    assert again.status_code == 400 and "exists already" in again.get_data(as_text=True)
    tag = db.session.scalar(sa.select(Tag))
    idea = factories.idea(product, title="Tag me")
    assert client.post(f"/p/bike/ideas/{idea.id}/tags", data={"tag_ids": [tag.id]}).status_code == 403
    assert team_client.post(f"/p/bike/ideas/{idea.id}/tags", data={"tag_ids": [tag.id]}).status_code == 303
    assert [t.name for t in db.session.get(Idea, idea.id).tags] == ["Maps"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 1


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_screen_reader_hears_1_vote_not_1_votes(client, product, signed_in):
    """Issue 14.11: the vote button read "1 votes" to screen readers."""
    import re

    one = factories.idea(product, factories.UserFactory(), title="Only mine")
    two = factories.idea(product, factories.UserFactory(), title="Two of us")
    services.set_vote(two, factories.UserFactory(), True)
    db.session.commit()
    if signed_in:
        login(client, factories.UserFactory())
    for locale, singular, plural in (("en", "1 vote;", "2 votes;"), ("nl", "1 stem;", "2 stemmen;"),
                                     ("it", "1 voto;", "2 voti;")):
        client.post("/language", data={"locale": locale})
        page = client.get("/p/bike/ideas").get_data(as_text=True)
        heard = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        assert singular in heard and plural in heard, locale
        assert " 1 votes;" not in heard and " 1 stemmen;" not in heard and " 1 voti;" not in heard
    assert one.vote_count == 1 and two.vote_count == 2
