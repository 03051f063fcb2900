"""Voices from elsewhere: the team records a customer's idea or vote heard at a call or a fair; it is marked as such
everywhere it shows, counts only for a confirmed account, and is never a rating."""

import csv
import io
import re

import pytest
import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas import voices
from cocreate.ideas.models import Idea, Status, Vote
from cocreate.maturity.models import Rating
from cocreate.notifications.models import MailMessage
from tests import factories
from tests.conftest import login


@pytest.fixture
def product():
    return factories.ProductFactory(name="Fietsdeel")


@pytest.fixture
def member(product):
    return factories.member(product.company, Role.PRODUCT, name="Eva Team")


def welcome_link(address: str) -> str:
    body = db.session.scalar(sa.select(MailMessage.body).where(MailMessage.to_address == address)
                             .order_by(MailMessage.id.desc()))
    match = re.search(r"(/password/reset/[\w-]+)", body or "")
    assert match, body
    return match.group(1)


def test_the_team_records_a_known_customers_idea_and_it_is_marked_everywhere(client, product, member):
    customer = factories.UserFactory(name="Jan Klant", email="jan@example.com")
    login(client, member)
    page = client.post(f"/p/{product.slug}/voices", data={
        "email": "JAN@example.com ", "heard_at": "Utrecht bike fair", "title": "A basket for groceries"})
    assert page.status_code == 303
    idea = db.session.scalar(sa.select(Idea))
    assert (idea.author_id, idea.recorded_by_id, idea.heard_at, idea.vote_count) == (
        customer.id, member.id, "Utrecht bike fair", 1)
    vote = db.session.scalar(sa.select(Vote))
    assert (vote.user_id, vote.recorded_by_id) == (customer.id, member.id)

    shown = client.get(f"/p/{product.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert "Heard by the team" in shown and "recorded by Eva Team, heard at: Utrecht bike fair" in shown
    assert "s vote, recorded by Eva Team (heard at: Utrecht bike fair)" in shown and "Jan Klant" in shown
    assert "Heard by the team" in client.get(f"/p/{product.slug}/ideas").get_data(as_text=True)
    assert "A basket for groceries" in client.get(f"/p/{product.slug}/voices").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/p/{product.slug}/ideas.csv").data.decode("utf-8-sig"))))
    assert rows[0]["heard_by_team"] == "yes"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0  # never a rating
    from cocreate.auth.privacy import export

    assert [i["title"] for i in export(customer)["ideas"]] == ["A basket for groceries"]  # the customer's own
    assert [i["title"] for i in export(member)["ideas.recorded_by_id"]] == ["A basket for groceries"]


def test_a_new_person_gets_an_account_and_a_welcome_and_counts_once_they_confirm(app, client, product, member):
    login(client, member)
    idea = factories.idea(product, title="Night mode")
    before = idea.vote_count
    answer = client.post(f"/p/{product.slug}/ideas/{idea.id}/voices", data={
        "email": "mia@example.com", "name": "Mia Nieuw", "heard_at": "phone call on 3 December"})
    assert answer.status_code == 303
    mia = db.session.scalar(sa.select(User).where(User.email == "mia@example.com"))
    assert mia is not None and mia.name == "Mia Nieuw" and not mia.is_verified
    assert db.session.get(Idea, idea.id).vote_count == before  # held: the address is not confirmed yet
    body = db.session.scalar(sa.select(MailMessage.body).where(MailMessage.to_address == "mia@example.com"))
    assert "Eva Team" in body and "phone call on 3 December" in body and "Night mode" in body

    visitor = app.test_client()
    link = welcome_link("mia@example.com")
    assert visitor.get(link).status_code == 200
    done = visitor.post(link, data={"new": "a fine new password 2026", "confirm": "a fine new password 2026"})
    assert done.status_code in (302, 303), done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, mia.id).is_verified
    assert db.session.get(Idea, idea.id).vote_count == before + 1
    assert visitor.post(link, data={"new": "another password 2026", "confirm": "another password 2026"}
                        ).status_code in (400, 410, 200)  # used once: refused with a page, never a 500
    login(visitor, db.session.get(User, mia.id), password="a fine new password 2026")


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "nobody@example.com", "heard_at": "a fair"}, "give their name too"),
    ({"email": "eva@team.example", "heard_at": "a fair"}, "belongs to your own team"),
    ({"email": "jan@example.com", "heard_at": "   "}, "Say where you heard it"),
    ({"email": "not an address", "heard_at": "a fair"}, "Enter an e-mail address"),
])
def test_refusals_say_why_in_place_and_record_nothing(client, product, member, data, message):
    member.email = "eva@team.example"
    factories.UserFactory(email="jan@example.com")
    db.session.commit()
    login(client, member)
    idea = factories.idea(product)
    votes = db.session.scalar(sa.select(sa.func.count()).select_from(Vote))
    page = client.post(f"/p/{product.slug}/ideas/{idea.id}/voices", data=data)
    assert page.status_code in (400, 422) and message in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == votes
    assert db.session.scalar(sa.select(User).where(User.email == "nobody@example.com")) is None
    page = client.post(f"/p/{product.slug}/voices", data={**data, "title": "Kept text"})
    assert page.status_code in (400, 422) and message in page.get_data(as_text=True)
    assert 'value="Kept text"' in page.get_data(as_text=True)  # nothing typed is lost


def test_a_vote_is_recorded_once_and_not_for_closed_ideas(client, product, member):
    customer = factories.UserFactory(email="jan@example.com", name="Jan")
    idea = factories.idea(product)
    voices.record_vote(idea, member, email="jan@example.com", name="", heard_at="a visit")
    db.session.commit()
    login(client, member)
    again = client.post(f"/p/{product.slug}/ideas/{idea.id}/voices",
                        data={"email": "jan@example.com", "heard_at": "another visit"})
    assert again.status_code in (400, 422) and "Jan has voted for this idea already" in again.get_data(as_text=True)
    idea.status = Status.SHIPPED
    db.session.commit()
    with pytest.raises(voices.VoiceRefused):
        voices.record_vote(idea, member, email=customer.email, name="", heard_at="a fair")


def test_only_the_product_team_records_voices(client, product):
    idea = factories.idea(product)
    for user in (factories.UserFactory(), factories.member(product.company, Role.MARKETING)):
        login(client, user)
        assert client.get(f"/p/{product.slug}/voices").status_code == 403
        assert client.post(f"/p/{product.slug}/ideas/{idea.id}/voices",
                           data={"email": "x@example.com", "name": "X", "heard_at": "a fair"}).status_code == 403
        client.post("/logout")
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.com")) is None


def test_the_api_marks_recorded_ideas(product, member):
    from cocreate.api.routes import idea_json

    factories.UserFactory(email="jan@example.com")
    heard = voices.record_idea(product, member, email="jan@example.com", name="", heard_at="fair", title="Heard")
    own = factories.idea(product, title="Own")
    db.session.commit()
    from flask import current_app

    with current_app.test_request_context():
        assert idea_json(heard, False)["heard_by_team"] is True
        assert idea_json(own, False)["heard_by_team"] is False


def test_a_team_member_records_at_most_sixty_voices_an_hour():
    """Recording may make accounts and send welcome mails: a limit per team member (the suite's app has limits
    off, so a second app has them on, on its own database)."""
    from cocreate import create_app
    from cocreate.config import TestConfig
    from cocreate.extensions import limiter
    from tests.conftest import Client

    app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                      "RATELIMIT_ENABLED": True})
    app.test_client_class = Client
    try:
        with app.app_context():
            db.create_all()
            product = factories.ProductFactory()
            member = factories.member(product.company, Role.PRODUCT)
            client = app.test_client()
            login(client, member)
            answers = [client.post(f"/p/{product.slug}/voices", data={"heard_at": "a fair"}).status_code
                       for _ in range(61)]
            assert set(answers[:60]) == {400} and answers[60] == 429  # refused forms count too
            other = app.test_client()
            login(other, factories.member(product.company, Role.OWNER))
            assert other.post(f"/p/{product.slug}/voices", data={"heard_at": "a fair"}).status_code == 400
            db.session.remove()
            db.engine.dispose()
    finally:
        limiter.enabled = False
