"""The promise ledger: every date promised stays on the record, kept or broken; the badge's count and its
lower bound come from the product's stored figures."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas.models import Status, StatusChange
from cocreate.ideas.services import change_status
from cocreate.maturity import figures, promises
from cocreate.maturity.services import current_maturity, refresh_stage
from cocreate.products.models import Visibility
from tests import factories
from tests.conftest import login

TODAY = date(2026, 12, 1)


# --- the rules ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kept", "due", "expected"), [
    (0, 0, None),        # nothing due: no figure at all
    (1, 1, 0.5),         # one kept promise proves little
    (0, 1, 0.0),
    (2, 2, 0.666667),
    (14, 15, 0.838262),
    (90, 100, 0.865927),
])
def test_reliability_is_the_wilson_lower_bound_at_one_standard_error(kept, due, expected):
    found = figures.promise_reliability(kept, due)
    assert found == (None if expected is None else pytest.approx(expected, abs=1e-6))


def test_reliability_grows_with_the_record_and_never_reaches_certainty():
    shares = [figures.promise_reliability(n, n) for n in (1, 3, 10, 100)]
    assert shares == sorted(shares) and all(s < 1 for s in shares)


@pytest.mark.parametrize(("promised", "shipped", "expected"), [
    (TODAY, TODAY, ("kept", 0)),                                             # on the day
    (TODAY, TODAY - timedelta(days=3), ("kept", 3)),                        # early
    (TODAY, TODAY + timedelta(days=1), ("broken", 1)),                      # a day late
    (TODAY, None, ("open", 0)),                                             # due today, not yet broken
    (TODAY - timedelta(days=1), None, ("broken", 1)),                       # its day passed unshipped
    (TODAY + timedelta(days=9), None, ("open", 9)),
])
def test_each_promise_is_kept_broken_or_open(promised, shipped, expected):
    assert figures.promise_outcome(promised, shipped, TODAY) == expected


def test_kept_count_reads_the_stored_share_back_exactly():
    for due in range(1, 200):
        for kept in range(due + 1):
            share, counted = figures.promises_kept(
                [figures.Promise(TODAY, TODAY)] * kept + [figures.Promise(TODAY, None)] * (due - kept),
                TODAY + timedelta(days=1))
            assert figures.kept_count(share, counted) == kept
    assert figures.kept_count(None, 0) == 0


# --- the record -----------------------------------------------------------------------------------------

def _passed(idea, days: int) -> None:
    """The promise made for the idea was made earlier: its date lies ``days`` in the past (a new date in the
    past is refused, so the test moves the recorded one back)."""
    past = date.today() - timedelta(days=days)
    for change in db.session.scalars(sa.select(StatusChange).where(StatusChange.idea_id == idea.id,
                                                                   StatusChange.promised_on.is_not(None))):
        change.promised_on = past
    idea.promised_on = past
    db.session.flush()


@pytest.fixture
def product():
    return factories.rated_product(name="Fietsdeel")


@pytest.fixture
def team(product):
    return factories.member(product.company, Role.PRODUCT)


def test_a_moved_promise_stays_on_the_record_and_breaks_when_its_day_passes(product, team):
    idea = factories.idea(product, title="Night mode")
    change_status(idea, team, Status.PLANNED, promised_on=date.today() + timedelta(days=1))
    _passed(idea, 2)  # promised for two days ago ...
    later = date.today() + timedelta(days=20)
    change_status(idea, team, Status.IN_PROGRESS, promised_on=later)  # ... and quietly moved to later
    db.session.commit()

    entries, more = promises.ledger(product)
    assert not more
    assert [(e.promised_on, e.outcome, e.days, e.moved_to) for e in entries] == [
        (later, "open", 20, None),
        (date.today() - timedelta(days=2), "broken", 2, later),
    ]
    assert all(e.made_at is not None for e in entries)
    fig = current_maturity(product).figures
    assert (fig.promises_kept, fig.promises_due) == (0.0, 1)  # the first promise counts, broken


def test_shipping_after_the_first_date_keeps_the_second_promise_and_breaks_the_first(product, team):
    idea = factories.idea(product, title="Night mode")
    change_status(idea, team, Status.PLANNED, promised_on=date.today() + timedelta(days=1))
    _passed(idea, 3)
    change_status(idea, team, Status.PLANNED, promised_on=date.today() + timedelta(days=5))
    version = factories.VersionFactory(product=product, label="v2", released_on=date.today())
    change_status(idea, team, Status.SHIPPED, shipped_version_id=version.id)
    db.session.commit()
    shipped_on = date.today()
    entries, _more = promises.ledger(product)
    assert [(e.outcome, e.shipped_on) for e in entries] == [("kept", shipped_on), ("broken", shipped_on)]
    fig = current_maturity(product).figures
    assert (fig.promises_kept, fig.promises_due) == (0.5, 2)


def test_keeping_the_same_date_through_statuses_is_one_promise(product, team):
    idea = factories.idea(product)
    promised = date.today() + timedelta(days=7)
    change_status(idea, team, Status.PLANNED, promised_on=promised)
    change_status(idea, team, Status.IN_PROGRESS, promised_on=promised)
    change_status(idea, team, Status.DECLINED, promised_on=promised)  # the form sends the standing date back
    db.session.commit()
    entries, _more = promises.ledger(product)
    assert [(e.promised_on, e.outcome) for e in entries] == [(promised, "open")]


def test_the_ledger_pages_latest_promise_first(product, team, monkeypatch):
    monkeypatch.setattr(promises, "LEDGER_PAGE", 2)
    for days in (3, 9, 5):
        idea = factories.idea(product, title=f"In {days} days")
        change_status(idea, team, Status.PLANNED, promised_on=date.today() + timedelta(days=days))
    db.session.commit()
    first, more = promises.ledger(product, 1)
    second, last = promises.ledger(product, 2)
    assert [e.title for e in first] == ["In 9 days", "In 5 days"] and more
    assert [e.title for e in second] == ["In 3 days"] and not last


# --- the pages ------------------------------------------------------------------------------------------

def test_customers_see_the_badge_and_the_ledger(client, product, team):
    kept = factories.idea(product, title="Offline maps")
    change_status(kept, team, Status.PLANNED, promised_on=date.today() + timedelta(days=1))
    change_status(kept, team, Status.SHIPPED, shipped_version_id=product.versions[0].id)
    late = factories.idea(product, title="Dark <b>mode</b>")
    change_status(late, team, Status.PLANNED, promised_on=date.today() + timedelta(days=1))
    _passed(late, 4)
    refresh_stage(product)
    db.session.commit()

    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Kept 1 of 2 promises on time" in page and "reliability at least 21%" in page
    ledger = client.get(f"/p/{product.slug}/promises/ledger")
    html = ledger.get_data(as_text=True)
    assert ledger.status_code == 200 and "Broken promises stay on the record" in html
    assert "not shipped, 4 days overdue" in html and "Dark &lt;b&gt;mode&lt;/b&gt;" in html
    assert "1 of 2" in html and "21%" in html
    maturity = client.get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert f"/p/{product.slug}/promises/ledger" in maturity


def test_a_product_without_promises_says_so(client, product):
    assert "No promised date has come due yet." in client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "The team has promised no dates yet" in client.get(
        f"/p/{product.slug}/promises/ledger").get_data(as_text=True)


def test_a_private_products_ledger_is_hidden_from_outsiders(app, client):
    product = factories.rated_product(visibility=Visibility.PRIVATE)
    assert client.get(f"/p/{product.slug}/promises/ledger").status_code == 404
    login(client, factories.UserFactory())
    assert client.get(f"/p/{product.slug}/promises/ledger").status_code == 404
    member = app.test_client()
    login(member, factories.member(product.company, Role.MARKETING))
    assert member.get(f"/p/{product.slug}/promises/ledger").status_code == 200


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999"])
def test_a_strange_page_number_is_read_as_a_page_not_an_error(client, product, page):
    assert client.get(f"/p/{product.slug}/promises/ledger?page={page}").status_code == 200
