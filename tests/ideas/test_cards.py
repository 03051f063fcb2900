"""Idea cards (cocreate/ideas/cards.py): memoised by what they show, with each viewer's own vote applied on top,
one vote form per page, and the same number of queries whatever the number of cards."""

import re

import pytest
import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas import services
from cocreate.ideas.models import Idea, Status, Tag
from cocreate.products.models import Touchpoint
from tests import factories
from tests.conftest import count_queries, login


@pytest.fixture
def product():
    return factories.ProductFactory(slug="bike")


def card_of(html: str, idea_id: int) -> str:
    """The <li> of one idea in a list page."""
    match = re.search(rf'<li class="idea-card"><div id="vote-{idea_id}".*?</li>', html, re.S)
    assert match, f"no card for idea {idea_id}"
    return match.group(0)


def _ideas(product, n: int, start: int = 0) -> None:
    """n ideas, each by its own author, with a tag, a touchpoint and a vote from someone else."""
    tag = db.session.scalar(sa.select(Tag).where(Tag.product_id == product.id)) or Tag(product_id=product.id,
                                                                                        name="ux")
    touchpoint = db.session.scalar(sa.select(Touchpoint).where(Touchpoint.product_id == product.id)) or Touchpoint(
        product_id=product.id, name="Checkout")
    db.session.add_all([tag, touchpoint])
    db.session.flush()
    voter = factories.UserFactory()
    for i in range(start, start + n):
        idea = services.create_idea(product, factories.UserFactory(name=f"Author {i}"), title=f"Card {i:02d}",
                                    touchpoint_id=touchpoint.id, tag_ids=[tag.id])
        services.set_vote(idea, voter, True)
    db.session.commit()


@pytest.mark.parametrize("path", ["/p/bike/ideas", "/p/bike"])
def test_signed_in_list_and_product_page_cost_the_same_queries_for_3_and_20_cards(client, product, path):
    viewer = factories.UserFactory()
    _ideas(product, 3)
    login(client, viewer)
    client.get(path)  # warm up
    with count_queries() as few:
        html = client.get(path).get_data(as_text=True)
    assert "Card 02" in html and "Author 2" in html and '<span class="tag">ux</span>' in html
    _ideas(product, 17, start=3)
    with count_queries() as many:
        html = client.get(path).get_data(as_text=True)
    assert html.count('class="idea-card"') == (20 if path.endswith("ideas") else 5)
    assert few() == many(), (few(), many())


def test_one_vote_form_and_token_per_page_not_one_per_card(client, logged_in, product):
    _ideas(product, 4)
    html = client.get("/p/bike/ideas").get_data(as_text=True)
    assert html.count('id="vote-form"') == 1 and html.count('form="vote-form"') == 4
    form = re.search(r'<form id="vote-form" method="post".*?</form>', html, re.S).group(0)
    assert 'name="csrf_token"' in form and 'name="next" value="/p/bike/ideas"' in form
    # the buttons post to their own idea, with htmx or (formaction) without it
    first = services.card_rows(product, logged_in).rows[0]
    card = card_of(html, first.id)
    assert f'formaction="/p/bike/ideas/{first.id}/vote"' in card and f'hx-post="/p/bike/ideas/{first.id}/vote"' in card


def test_visitors_vote_buttons_lead_to_the_login_page_without_a_token(client, product):
    _ideas(product, 2)
    html = client.get("/p/bike/ideas").get_data(as_text=True)
    form = re.search(r'<form id="vote-form".*?</form>', html, re.S).group(0)
    assert 'method="get" action="/login"' in form and "csrf_token" not in html
    assert "Set-Cookie" not in client.get("/p/bike/ideas").headers


def test_a_signed_in_person_sees_their_own_vote_at_once_and_others_do_not(app, client, product):
    _ideas(product, 2)
    idea = services.card_rows(product, None).rows[0]
    alice, bob = factories.UserFactory(), factories.UserFactory()
    login(client, alice)
    before = card_of(client.get("/p/bike/ideas").get_data(as_text=True), idea.id)
    assert 'aria-pressed="false"' in before and f'<span class="vote-count">{idea.vote_count}</span>' in before
    client.post(f"/p/bike/ideas/{idea.id}/vote", data={"vote": "1"})
    for path in ("/p/bike/ideas", "/p/bike"):
        mine = card_of(client.get(path).get_data(as_text=True), idea.id)
        assert 'aria-pressed="true"' in mine and 'value="0"' in mine, path
        assert f'<span class="vote-count">{idea.vote_count + 1}</span>' in mine, path
    other = app.test_client()
    login(other, bob)  # the same card from the memo, with Bob's own (absent) vote
    theirs = card_of(other.get("/p/bike/ideas").get_data(as_text=True), idea.id)
    assert 'aria-pressed="false"' in theirs and f'<span class="vote-count">{idea.vote_count + 1}</span>' in theirs


def test_a_card_changes_when_its_idea_changes_title_votes_status_or_tags(client, product):
    team = factories.member(product.company, Role.PRODUCT)
    _ideas(product, 1)
    idea_id = services.card_rows(product, None).rows[0].id
    idea = db.session.get(Idea, idea_id)
    first = card_of(client.get("/p/bike/ideas").get_data(as_text=True), idea_id)
    assert "Card 00" in first and '<span class="vote-count">2</span>' in first and "status-open" in first

    services.update_idea(idea, team, title="Renamed card", description="", touchpoint_id=None, version_id=None)
    db.session.commit()
    card = card_of(client.get("/p/bike/ideas").get_data(as_text=True), idea_id)
    assert "Renamed card" in card and "Card 00" not in card

    services.set_vote(idea, factories.UserFactory(), True)
    db.session.commit()
    assert '<span class="vote-count">3</span>' in card_of(client.get("/p/bike/ideas").get_data(as_text=True),
                                                          idea_id)

    services.change_status(idea, team, Status.UNDER_REVIEW)
    db.session.commit()
    card = card_of(client.get("/p/bike/ideas").get_data(as_text=True), idea_id)
    assert "status-under_review" in card and "Under review" in card

    services.set_tags(idea, [])
    db.session.commit()
    assert '<span class="tag">' not in card_of(client.get("/p/bike/ideas").get_data(as_text=True), idea_id)

    services.change_status(idea, team, Status.DECLINED)  # closed: the button is disabled for everyone
    db.session.commit()
    assert " disabled" in card_of(client.get("/p/bike/ideas").get_data(as_text=True), idea_id)


def test_cards_are_in_the_readers_language(client, product):
    _ideas(product, 1)
    idea_id = services.card_rows(product, None).rows[0].id
    english = card_of(client.get("/p/bike/ideas", headers={"Accept-Language": "en"}).get_data(as_text=True),
                      idea_id)
    dutch = card_of(client.get("/p/bike/ideas", headers={"Accept-Language": "nl"}).get_data(as_text=True), idea_id)
    italian = card_of(client.get("/p/bike/ideas", headers={"Accept-Language": "it"}).get_data(as_text=True),
                      idea_id)
    assert "by Author 0" in english and "Log in to vote for this idea" in english
    assert "door Author 0" in dutch and "Log in om op dit idee te stemmen" in dutch
    assert "di Author 0" in italian and "Accedi per votare questa idea" in italian
    reader = factories.UserFactory(locale="nl")
    login(client, reader)
    signed_in = card_of(client.get("/p/bike/ideas").get_data(as_text=True), idea_id)
    assert "door Author 0" in signed_in and "Stem op dit idee" in signed_in
