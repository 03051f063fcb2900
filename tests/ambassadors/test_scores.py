"""The score formula, pinned on fixed facts (see cocreate/ambassadors/scores.py and docs/ambassadors.md)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cocreate.ambassadors import leaderboard, scores
from cocreate.ambassadors.models import AccountOrigin, ContributionScore
from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas.models import Status
from tests import factories
from tests.ambassadors.helpers import NOW, comment, customer, idea, vote
from tests.conftest import sign_up


def score(company, user, product_id=0, period=0) -> ContributionScore | None:
    return db.session.scalar(sa.select(ContributionScore).where(
        ContributionScore.company_id == company.id, ContributionScore.user_id == user.id,
        ContributionScore.product_id == product_id, ContributionScore.period_days == period))


def refresh(company, now=NOW):
    scores.refresh_scores(company, now)
    db.session.commit()


@pytest.fixture
def product():
    return factories.rated_product()


def test_every_fact_has_its_weight_and_the_breakdown_reads_well(product):
    company = product.company
    ana = customer()
    open_idea = idea(product, ana, title="Open")
    idea(product, ana, status=Status.PLANNED, reached=NOW, title="Planned")
    idea(product, ana, status=Status.SHIPPED, reached=NOW, title="Shipped")
    for _ in range(4):
        vote(open_idea, customer())
    comment(open_idea, ana)                       # helpful: counts
    comment(open_idea, ana, helpful=False)        # not marked: nothing
    factories.rating(product.versions[0], ana)
    refresh(company)

    found = score(company, ana)
    assert found.ideas_n == 3 and found.ideas_pts == pytest.approx(9)
    assert found.votes_n == 4 and found.votes_pts == pytest.approx(4)
    assert (found.planned_n, found.shipped_n, found.in_progress_n) == (1, 1, 0)
    assert found.helpful_n == 1 and found.ratings_n == 1
    assert found.total == pytest.approx(9 + 4 + 8 + 25 + 5 + 2, rel=1e-3)
    assert leaderboard.breakdown(found) == [
        "3 ideas (9 pts)", "4 votes received (4 pts)", "1 planned (8 pts)", "1 shipped (25 pts)",
        "1 helpful comment (5 pts)", "1 rating (2 pts)"]
    assert found.rank == 1


def test_old_facts_count_half_after_one_half_life(product):
    ana = customer()
    idea(product, ana, at=NOW - timedelta(days=scores.HALF_LIFE_DAYS))
    refresh(product.company)
    assert score(product.company, ana).total == pytest.approx(1.5)
    assert leaderboard.breakdown(score(product.company, ana)) == ["1 idea (1.5 pts)"]


def test_periods_keep_only_their_facts(product):
    ana = customer()
    idea(product, ana, at=NOW - timedelta(days=10), title="Recent")
    idea(product, ana, at=NOW - timedelta(days=200), title="Old")
    refresh(product.company)
    assert score(product.company, ana, period=30).ideas_n == 1
    assert score(product.company, ana, period=365).ideas_n == 2
    assert score(product.company, ana, period=0).ideas_n == 2


def test_self_votes_do_not_count(product):
    ana = customer()
    own = idea(product, ana)
    vote(own, ana)
    refresh(product.company)
    assert score(product.company, ana).votes_n == 0


def test_twin_accounts_from_the_same_address_minutes_apart_do_not_count(product):
    ana = customer("203.0.113.7", created_at=NOW - timedelta(days=5))
    twin = customer("203.0.113.7", created_at=NOW - timedelta(days=5) + timedelta(minutes=3))
    other_address = customer("198.51.100.1", created_at=NOW - timedelta(days=5) + timedelta(minutes=3))
    same_address_later = customer("203.0.113.7", created_at=NOW - timedelta(days=2))
    own = idea(product, ana)
    for voter in (twin, other_address, same_address_later):
        vote(own, voter)
    refresh(product.company)
    assert score(product.company, ana).votes_n == 2  # the twin's vote is ignored, the two others count


def test_addresses_are_stored_only_as_keyed_hashes(client):
    response = sign_up(client, {"name": "Ana", "email": "ana@example.com", "password": "a long enough passphrase"},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 303
    origin = db.session.scalar(sa.select(AccountOrigin))
    assert origin.ip_hash == scores.address_hash("203.0.113.9", "test-secret")
    assert "203.0.113.9" not in origin.ip_hash and len(origin.ip_hash) == 64


def test_members_of_the_company_are_not_ranked_for_it(product):
    marketer = factories.member(product.company, Role.MARKETING)
    idea(product, marketer)
    elsewhere = factories.rated_product()
    idea(elsewhere, marketer, title="As a customer elsewhere")
    refresh(product.company)
    refresh(elsewhere.company)
    assert score(product.company, marketer) is None
    assert score(elsewhere.company, marketer).ideas_n == 1


def test_scores_per_product_and_rank(product):
    second = factories.rated_product(product.company)
    ana, bo = customer(), customer()
    idea(product, ana, status=Status.SHIPPED, reached=NOW)
    idea(second, bo)
    idea(product, bo)
    refresh(product.company)
    assert score(product.company, ana).rank == 1 and score(product.company, bo).rank == 2
    assert score(product.company, bo, product_id=second.id).ideas_n == 1
    assert score(product.company, ana, product_id=second.id) is None


def test_refresh_replaces_the_old_rows(product):
    ana = customer()
    first = idea(product, ana)
    refresh(product.company)
    db.session.delete(first)
    db.session.commit()
    refresh(product.company)
    assert score(product.company, ana) is None


def test_a_held_rating_earns_nothing_until_the_team_lets_it_count(product):
    """Sock puppets must not rate their way onto the leaderboard (cocreate/maturity/holds.py)."""
    from cocreate.maturity import holds, stored

    company = product.company
    ana, puppet = customer(), customer()
    factories.rating(product.versions[0], ana)
    held = factories.rating(product.versions[0], puppet)
    before = holds.part(held)  # held as the rule holds the earlier ratings of a burst
    held.held, held.hold_reason = True, "burst"
    stored.move(held.version_id, stored.of_rating(held, stored.active_ids(product.id)), None)
    holds.move_credibility(held.version_id, before, holds.part(held))
    db.session.commit()
    refresh(company)
    assert score(company, ana).ratings_n == 1
    assert score(company, puppet) is None

    holds.release(factories.member(company), product, [held.id], "We know them.")
    db.session.commit()
    refresh(company)
    assert score(company, puppet).ratings_n == 1
