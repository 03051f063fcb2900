"""Only verified accounts count toward raters, votes and ambassador scores (issue 16). An account whose address is
not confirmed (it changed it) keeps its votes and ratings, held: the stored figures do not move while it is
unconfirmed, and move at the moment it confirms (the email-changed and email-verified events), with
`flask maturity verify` in step at every step."""

import re

import sqlalchemy as sa

from cocreate.ambassadors.models import ContributionScore
from cocreate.ambassadors.scores import refresh_scores
from cocreate.extensions import db
from cocreate.ideas.models import Idea
from cocreate.maturity.models import ProductFigures, VersionTally
from cocreate.maturity.stored import differences
from cocreate.notifications.models import MailMessage
from cocreate.products.models import Product
from tests import factories
from tests.conftest import login


def confirm_link(address: str) -> str:
    body = db.session.scalar(sa.select(MailMessage.body).where(MailMessage.to_address == address)
                             .order_by(MailMessage.id.desc()))
    return re.search(r"(/email/confirm/[\w-]+)", body).group(1)


def change_address(client, new: str) -> None:
    response = client.post("/profile/email", data={"email": new, "password": factories.PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)


def vote_count(idea_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Idea, idea_id).vote_count


def in_step(runner) -> None:
    db.session.expire_all()
    assert differences(list(db.session.scalars(sa.select(Product)))) == []
    result = runner.invoke(args=["maturity", "verify"])
    assert result.exit_code == 0, result.output


def test_votes_are_held_while_the_address_is_unconfirmed_and_count_when_it_is(client, user):
    product = factories.ProductFactory()
    first = factories.idea(product, title="Dark mode")
    second = factories.idea(product, title="Offline maps")
    login(client, user)
    assert client.post(f"/p/{product.slug}/ideas/{first.id}/vote", data={"vote": "1"}).status_code in (200, 303)
    assert vote_count(first.id) == 2

    change_address(client, "fresh@example.com")
    assert vote_count(first.id) == 1  # it stops counting with the unconfirmed address
    client.post(f"/p/{product.slug}/ideas/{second.id}/vote", data={"vote": "1"})
    assert vote_count(second.id) == 1  # stored, held: only the author's vote counts
    page = client.get(f"/p/{product.slug}/ideas/{second.id}").get_data(as_text=True)
    assert "counts once you confirm your address" in page
    listed = client.get(f"/p/{product.slug}/ideas").get_data(as_text=True)  # the list's buttons vote too
    assert "counts once you confirm your address" in listed
    own = factories.idea(product, author=db.session.get(type(user), user.id), title="My own idea")
    assert vote_count(own.id) == 0  # an unconfirmed author's own vote is held too

    assert client.post(confirm_link("fresh@example.com")).status_code == 303
    assert "counts once you confirm" not in client.get(f"/p/{product.slug}/ideas").get_data(as_text=True)
    assert (vote_count(first.id), vote_count(second.id), vote_count(own.id)) == (2, 2, 1)
    client.post(f"/p/{product.slug}/ideas/{second.id}/vote", data={"vote": "0"})
    assert vote_count(second.id) == 1  # withdrawn after confirming: counted out again


def rate(client, product, score: str = "5"):
    db.session.expire_all()
    version = product.current_version
    data = {f"tp_{t.id}": score for t in product.touchpoints if t.active}
    data |= {"version_id": str(version.id), "experience": "first", "expected": ""}
    return client.post(f"/p/{product.slug}/rate", data=data)


def raters(product) -> tuple[int, int]:
    db.session.expire_all()
    tally = db.session.get(VersionTally, product.current_version.id)
    row = db.session.get(ProductFigures, product.id)
    return (tally.raters if tally else 0), row.figures["raters"]


def test_ratings_are_held_while_unconfirmed_and_the_figures_move_when_confirmed(app, client, user, runner):
    product = factories.rated_product()
    for _ in range(3):
        factories.rating(product.current_version)
    other = app.test_client()
    login(other, factories.UserFactory())
    assert rate(other, product).status_code == 303
    assert raters(product) == (4, 4)
    in_step(runner)

    login(client, user)
    change_address(client, "moved@example.com")
    before = db.session.get(ProductFigures, product.id).figures
    assert rate(client, product, "1").status_code == 303
    assert raters(product) == (4, 4)
    assert db.session.get(ProductFigures, product.id).figures == before  # the stored figures do not move
    page = client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert "counts once you confirm your address" in page
    in_step(runner)

    assert client.post(confirm_link("moved@example.com")).status_code == 303
    assert raters(product) == (5, 5)  # at the moment they confirm
    assert db.session.get(ProductFigures, product.id).figures["grade"] < before["grade"]
    in_step(runner)


def test_a_rater_who_changes_address_stops_counting_until_confirmed(client, user, runner):
    product = factories.rated_product()
    factories.rating(product.current_version)
    login(client, user)
    assert rate(client, product).status_code == 303
    assert raters(product) == (2, 2)
    change_address(client, "elsewhere@example.com")
    assert raters(product) == (1, 1)
    in_step(runner)
    client.post(confirm_link("elsewhere@example.com"))
    assert raters(product) == (2, 2)
    in_step(runner)


def test_an_unconfirmed_account_scores_nothing_for_ambassadors(client, user):
    company = factories.CompanyFactory()
    product = factories.rated_product(company)
    author = factories.UserFactory(name="Author Anna")
    idea = factories.idea(product, author)
    login(client, user)
    client.post(f"/p/{product.slug}/ideas/{idea.id}/vote", data={"vote": "1"})
    refresh_scores(company)
    db.session.commit()

    def votes_for_anna() -> int:
        db.session.expire_all()
        return db.session.scalar(sa.select(ContributionScore.votes_n).where(
            ContributionScore.user_id == author.id, ContributionScore.product_id == 0,
            ContributionScore.period_days == 0)) or 0

    def ranked(user_id: int) -> bool:
        return db.session.scalar(sa.select(ContributionScore.user_id).where(ContributionScore.user_id == user_id)
                                 .limit(1)) is not None

    assert votes_for_anna() == 1
    assert ranked(user.id) is False  # a voter scores for the author, not for themselves
    change_address(client, "new-home@example.com")  # the event rebuilds the company's scores at once
    assert votes_for_anna() == 0
    factories.idea(product, db.session.get(type(user), user.id), title="Unconfirmed idea")
    refresh_scores(company)
    db.session.commit()
    assert ranked(user.id) is False  # an unconfirmed account is not ranked
    client.post(confirm_link("new-home@example.com"))
    assert votes_for_anna() == 1 and ranked(user.id) is True
