"""Ratings that can't be gamed: the hold rules (cocreate/maturity/holds.py, docs/maturity.md), rater credibility,
and the team's release. After every test the maturity conftest checks the stored sums and credibility counts
against the ratings (`flask maturity verify`)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.extensions import db, utcnow
from cocreate.maturity import holds, services
from cocreate.maturity.holds import DEFAULT_RULES, HoldRules
from cocreate.maturity.models import Rating, RatingRelease, StageChange
from cocreate.products.models import ProductAccess
from tests import factories
from tests.conftest import login, sign_up
from tests.maturity.test_ratings import form

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ALL_FIVES = (5, 5, 5, 5, 5, 5)


# --------------------------------------------------------------------------- the rule's edges, as plain functions

def test_a_new_account_is_younger_than_the_days_exactly_that_old_is_not():
    rules = HoldRules(new_account_days=7)
    assert holds.is_new(T0 - timedelta(days=7) + timedelta(seconds=1), T0, rules)
    assert not holds.is_new(T0 - timedelta(days=7), T0, rules)
    assert not holds.is_new(None, T0, rules)  # rated before ages were kept: not new


def test_the_burst_fires_on_the_nth_rating_not_before():
    rules = HoldRules(burst_ratings=3)
    assert holds.reason_for(vouched=None, new_account=True, burst_count=2, network_count=1, rules=rules) is None
    assert holds.reason_for(vouched=None, new_account=True, burst_count=3, network_count=1, rules=rules) == "burst"
    # an old account never makes a burst of new ones; someone the company knows is never held
    assert holds.reason_for(vouched=None, new_account=False, burst_count=10, network_count=1, rules=rules) is None
    assert holds.reason_for(vouched="sso", new_account=True, burst_count=10, network_count=10, rules=rules) is None
    assert holds.reason_for(vouched="invited", new_account=True, burst_count=10, network_count=10, rules=rules) is None


def test_one_network_fires_on_the_nth_rating_whatever_the_age():
    rules = HoldRules(network_ratings=3)
    assert holds.reason_for(vouched=None, new_account=False, burst_count=1, network_count=2, rules=rules) is None
    assert holds.reason_for(vouched=None, new_account=False, burst_count=1, network_count=3, rules=rules) == "network"
    assert holds.reason_for(vouched=None, new_account=True, burst_count=3, network_count=3, rules=rules) == "burst"


def test_windows_include_their_first_moment():
    rules = HoldRules(burst_minutes=60, network_hours=24)
    assert holds.burst_since(T0, rules) == T0 - timedelta(minutes=60)
    assert holds.network_since(T0, rules) == T0 - timedelta(hours=24)


def test_networks_ipv4_whole_ipv6_per_64_and_no_loopback():
    assert holds.network_of("203.0.113.7") == "203.0.113.7"
    assert holds.network_of("2001:db8:1:2::1") == holds.network_of("2001:db8:1:2:ffff::9")  # one /64
    assert holds.network_of("2001:db8:1:2::1") != holds.network_of("2001:db8:1:3::1")
    assert holds.network_of("::ffff:203.0.113.7") == "203.0.113.7"
    for nothing in (None, "", "not an address", "127.0.0.1", "::1", "0.0.0.0", "fe80::1"):  # noqa: S104
        assert holds.network_of(nothing) is None


def test_the_network_is_kept_as_a_keyed_hash_never_the_address():
    first = holds.network_hash("203.0.113.7", secret="key one")
    assert first is not None and len(first) == 16 and "203" not in first
    assert first == holds.network_hash("203.0.113.7", secret="key one")
    assert first != holds.network_hash("203.0.113.7", secret="key two")  # not to be tried without the key
    assert first != holds.network_hash("203.0.113.8", secret="key one")


def test_account_age_bands_at_their_edges():
    assert holds.age_band(T0 - timedelta(hours=23, minutes=59), T0) == "age_day"
    assert holds.age_band(T0 - timedelta(days=1), T0) == "age_week"
    assert holds.age_band(T0 - timedelta(days=7), T0) == "age_month"
    assert holds.age_band(T0 - timedelta(days=30), T0) == "age_older"
    assert holds.age_band(None, T0) == "age_unknown"


# --------------------------------------------------------------------------- through the service, with a clock

@pytest.fixture
def clock(monkeypatch):
    """The moment ratings are saved at (services.utcnow)."""
    now = {"t": T0}
    monkeypatch.setattr(services, "utcnow", lambda: now["t"])
    return now


def rater(days_old: float, at: datetime = T0):
    return factories.UserFactory(created_at=at - timedelta(days=days_old))


def rate(product, user, scores=ALL_FIVES, address="198.51.100.1"):
    tps = [t for t in product.touchpoints if t.active]
    rating = services.save_rating(user, product, product.current_version, dict(zip([t.id for t in tps], scores,
                                                                                   strict=False)),
                                  expected=None, returning=False, address=address)
    db.session.commit()
    return rating


def held() -> list[int]:
    return list(db.session.scalars(sa.select(Rating.user_id).where(Rating.held.is_(True)).order_by(Rating.id)))


def test_exactly_the_window_apart_is_one_burst_a_second_more_is_not(clock):
    product = factories.rated_product()
    first, second, third = (rater(1) for _ in range(3))
    rate(product, first, address="198.51.100.1")
    clock["t"] = T0 + timedelta(minutes=30)
    rate(product, second, address="198.51.100.2")
    clock["t"] = T0 + timedelta(minutes=60)  # exactly 60 minutes after the first: the third of one burst
    rate(product, third, address="198.51.100.3")
    assert held() == [first.id, second.id, third.id]  # the earlier ones of the burst are held with it

    later = factories.rated_product()
    a, b, c = (rater(1) for _ in range(3))
    clock["t"] = T0
    rate(later, a, address="198.51.100.4")
    clock["t"] = T0 + timedelta(minutes=30)
    rate(later, b, address="198.51.100.5")
    clock["t"] = T0 + timedelta(minutes=60, seconds=1)  # the first is out of the window: two in it
    rate(later, c, address="198.51.100.6")
    assert not set(held()) & {a.id, b.id, c.id}


def test_two_new_accounts_in_an_hour_count_the_third_is_a_burst(clock):
    product = factories.rated_product()
    users = [rater(0.01) for _ in range(3)]
    for n, user in enumerate(users[:2]):
        clock["t"] = T0 + timedelta(minutes=n)
        rate(product, user, address=f"198.51.100.{10 + n}")
    assert held() == []
    assert services.judge([product])[product.id].figures.raters == 2
    clock["t"] = T0 + timedelta(minutes=2)
    rate(product, users[2], address="198.51.100.12")
    assert held() == [u.id for u in users]
    assert services.judge([product])[product.id].figures.raters == 0  # the burst left the sums as a whole


def test_an_account_exactly_seven_days_old_is_not_new_and_makes_no_burst(clock):
    product = factories.rated_product()
    for n in range(5):
        rate(product, rater(7), address=f"198.51.100.{20 + n}")
    assert held() == []
    assert all(not r.new_account for r in db.session.scalars(sa.select(Rating)))


def test_the_third_rating_from_one_network_in_a_day_is_held_with_the_earlier_two(clock):
    product = factories.rated_product()
    users = [rater(400) for _ in range(3)]  # old accounts: the network rule does not care
    rate(product, users[0], address="203.0.113.9")
    clock["t"] = T0 + timedelta(hours=12)
    rate(product, users[1], address="203.0.113.9")
    assert held() == []
    clock["t"] = T0 + timedelta(hours=24)  # exactly a day after the first: still the window
    rate(product, users[2], address="203.0.113.9")
    assert held() == [u.id for u in users]
    assert {r.hold_reason for r in db.session.scalars(sa.select(Rating))} == {"network"}
    assert "203.0.113.9" not in str([r.network_hash for r in db.session.scalars(sa.select(Rating))])

    other = rater(400)
    clock["t"] = T0 + timedelta(hours=24, seconds=1)
    rate(product, other, address="203.0.113.10")  # another network
    assert other.id not in held()


def test_customers_the_company_knows_are_never_held(clock):
    from cocreate.auth.models import SSOIdentity
    product = factories.rated_product()
    users = [rater(0) for _ in range(6)]
    for n, user in enumerate(users):
        if n % 2:
            db.session.add(SSOIdentity(company_id=product.company_id, user_id=user.id, subject=f"sub-{n}"))
        else:
            db.session.add(ProductAccess(product_id=product.id, user_id=user.id))
    db.session.commit()
    for user in users:
        rate(product, user, address="203.0.113.50")  # new, one burst, one network: and known to the company
    assert held() == []
    c = holds.credibility_of([product.current_version.id])[product.current_version.id]
    assert (c.ratings, c.sso, c.invited, c.new_accounts, c.held) == (6, 3, 3, 6, 0)


def test_a_held_rating_stays_held_when_changed_and_moves_no_sum(clock):
    product = factories.rated_product()
    users = [rater(1) for _ in range(3)]
    for n, user in enumerate(users):
        rate(product, user, address=f"198.51.100.{30 + n}")
    assert held() == [u.id for u in users]
    rate(product, users[0], scores=(1, 1, 1, 1, 1, 1), address="198.51.100.30")  # the rater changes it
    assert held() == [u.id for u in users]
    assert services.judge([product])[product.id].figures.raters == 0


def test_a_released_rating_is_not_held_again_and_makes_no_new_burst(clock):
    product = factories.rated_product()
    team = factories.member(product.company)
    users = [rater(1) for _ in range(4)]
    for n, user in enumerate(users[:3]):
        rate(product, user, address=f"198.51.100.{40 + n}")
    ids = list(db.session.scalars(sa.select(Rating.id).order_by(Rating.id)))
    holds.release(team, product, ids, "We mailed our newsletter; these are customers.")
    db.session.commit()
    rate(product, users[3], address="198.51.100.43")  # the released three do not make it a burst
    assert held() == []
    assert services.judge([product])[product.id].figures.raters == 4


def test_the_burst_check_reads_an_index_that_starts_with_the_version(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    since = utcnow()
    burst = sa.select(Rating.id, Rating.held).where(
        Rating.version_id == 1, Rating.id != 1, Rating.vouched.is_(None), Rating.release_id.is_(None),
        Rating.new_account.is_(True), Rating.created_at >= since)
    network = sa.select(Rating.id, Rating.held).where(
        Rating.version_id == 1, Rating.id != 1, Rating.vouched.is_(None), Rating.release_id.is_(None),
        Rating.network_hash == "abc", Rating.created_at >= since)
    for query, index in ((burst, "ix_ratings_version_created"), (network, "ix_ratings_version_network_created")):
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in db.session.execute(sa.text("EXPLAIN QUERY PLAN " + sql)))
        assert f"USING INDEX {index}" in plan and "created_at>?" in plan.replace(" ", ""), plan


# --------------------------------------------------------------------------- the attack, through the web

def genuine_product():
    """Twelve customers of long standing: grade 7.5, lower bound 7.35, weakest 7.0: Good enough."""
    product = factories.rated_product(name="Honest Kettle")
    version = product.current_version
    for scores in [(4, 4, 4, 4, 4, 4)] * 6 + [(4, 4, 4, 3, 3, 3)] * 6:
        factories.rating(version, factories.UserFactory(created_at=utcnow() - timedelta(days=90)), scores=scores)
    services.refresh_stage(product)
    db.session.commit()
    return product


def test_ten_sock_puppets_signed_up_in_a_minute_do_not_move_the_stage_and_the_team_sees_why(app):
    product = genuine_product()
    assert services.current_maturity(product).stage == "Good enough"
    changes_before = db.session.scalar(sa.select(sa.func.count()).select_from(StageChange))

    started = utcnow()
    puppets = []
    for n in range(10):
        browser = app.test_client()
        address = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}  # ten addresses: it is the burst that gives them away
        assert sign_up(browser, {"name": f"Happy Customer {n}", "email": f"puppet{n}@example.com",
                                 "password": "a long enough passphrase"}, environ_base=address).status_code == 303
        response = browser.post(f"/p/{product.slug}/rate", data=form(product, scores=ALL_FIVES), environ_base=address)
        assert response.status_code == 303
        puppets.append(browser)
    assert utcnow() - started < timedelta(minutes=1)

    # The stage did not move, not even for a moment, and the figures count the twelve.
    m = services.current_maturity(product)
    assert m.stage == "Good enough" and m.figures.raters == 12
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StageChange)) == changes_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating).where(Rating.held.is_(True))) == 10

    # Each puppet is told, honestly, that its rating waits.
    page = puppets[0].get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert "Counts once reviewed." in page and "new accounts rated this version within a short time" in page

    # Everyone sees the credibility; the team sees who is held and why.
    public = app.test_client().get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert "22 ratings" not in public and re.search(r"12 counted, 10 held", public)
    assert "part of a burst of new accounts" not in public and "Happy Customer" not in public
    owner = app.test_client()
    login(owner, factories.member(product.company))
    team_page = owner.get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert "10 ratings held for review" in team_page
    assert team_page.count("part of a burst of new accounts") == 10 and "Happy Customer 9" in team_page

    # Released with a note, they count: the stage climbs, and the note is in the stage history.
    ids = list(db.session.scalars(sa.select(Rating.id).where(Rating.held.is_(True))))
    response = owner.post(f"/p/{product.slug}/maturity/release",
                          data={"rating": [str(i) for i in ids], "note": "Launch day at the fair: we met them."})
    assert response.status_code == 303
    m = services.current_maturity(product)
    assert m.stage == "Good" and m.figures.raters == 22  # what the puppets would have done
    history = owner.get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert "Launch day at the fair: we met them." in history and "let 10 held ratings count" in history
    [entry] = db.session.scalars(sa.select(RatingRelease))
    assert (entry.ratings, entry.stage_before, entry.stage_after) == (10, "Good enough", "Good")
    assert db.session.scalar(sa.select(StageChange.to_stage).order_by(StageChange.id.desc())) == "Good"


def test_a_slow_trickle_of_new_customers_is_not_held(app, clock):
    product = genuine_product()
    for n in range(10):
        clock["t"] = T0 + timedelta(minutes=31 * n)  # two new customers an hour at most
        user = factories.UserFactory(created_at=clock["t"] - timedelta(hours=1))
        browser = app.test_client()
        login(browser, user)
        assert browser.post(f"/p/{product.slug}/rate", data=form(product, scores=ALL_FIVES),
                            environ_base={"REMOTE_ADDR": f"192.0.2.{100 + n}"}).status_code == 303
    assert held() == []
    m = services.current_maturity(product)
    assert m.figures.raters == 22 and m.stage == "Good"
    c = holds.credibility_of([product.current_version.id])[product.current_version.id]
    assert (c.ratings, c.held, c.new_accounts, c.age_day) == (22, 0, 10, 10)


# --------------------------------------------------------------------------- the release: refusals keep everything

@pytest.fixture
def burst(clock):
    product = factories.rated_product()
    for n in range(3):
        rate(product, rater(1), address=f"198.51.100.{60 + n}")
    owner = factories.member(product.company)
    return product, owner


def test_a_release_without_a_note_is_refused_in_place_and_keeps_the_choice(app, burst):
    product, owner = burst
    browser = app.test_client()
    login(browser, owner)
    first = db.session.scalar(sa.select(Rating.id).order_by(Rating.id))
    response = browser.post(f"/p/{product.slug}/maturity/release", data={"rating": [str(first)], "note": "  "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Say in a note why these ratings may count" in page
    assert len(held()) == 3
    assert re.search(rf'value="{first}" id="held-{first}" checked', page)  # the choice is kept
    others = [r for r in db.session.scalars(sa.select(Rating.id)) if r != first]
    assert all(f'value="{r}" id="held-{r}">' in page for r in others)


def test_a_release_of_nothing_or_of_ratings_not_held_is_refused(app, burst):
    product, owner = burst
    browser = app.test_client()
    login(browser, owner)
    response = browser.post(f"/p/{product.slug}/maturity/release", data={"note": "ok"})
    assert response.status_code == 400 and "Choose the held ratings to release" in response.get_data(as_text=True)
    response = browser.post(f"/p/{product.slug}/maturity/release", data={"rating": ["99999", "abc"], "note": "ok"})
    assert response.status_code == 400 and "not held (any more)" in response.get_data(as_text=True)
    assert len(held()) == 3


def test_only_the_product_team_releases(app, burst):
    product, owner = burst
    ids = [str(i) for i in db.session.scalars(sa.select(Rating.id))]
    customer = app.test_client()
    login(customer, factories.UserFactory())
    assert customer.post(f"/p/{product.slug}/maturity/release", data={"rating": ids, "note": "me"}).status_code == 403
    assert "held for review" not in customer.get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert len(held()) == 3


def test_an_erased_account_takes_its_held_rating_with_it(app, burst):
    from cocreate.auth import privacy

    product, owner = burst
    user = db.session.get(User, held()[0])
    privacy.erase(user)
    db.session.commit()
    assert len(held()) == 2
    c = holds.credibility_of([product.current_version.id])[product.current_version.id]
    assert (c.ratings, c.held, c.burst) == (2, 2, 2)


def test_company_hold_rules_apply_to_its_products(clock):
    product = factories.rated_product()
    holds.set_rules(product.company_id, HoldRules(burst_ratings=5))
    db.session.commit()
    for n in range(4):
        rate(product, rater(1), address=f"198.51.100.{70 + n}")
    assert held() == []
    assert holds.rules_of([product.company_id])[product.company_id].burst_ratings == 5
    assert DEFAULT_RULES.burst_ratings == 3


def test_the_owner_sets_the_hold_rules_on_the_thresholds_page_and_a_bad_number_is_refused_in_place(app):
    company = factories.CompanyFactory(slug="kettles")
    owner = app.test_client()
    login(owner, factories.member(company))
    page = owner.get("/c/kettles/thresholds").get_data(as_text=True)
    assert "Holding back suspicious ratings" in page and 'name="hold-burst_ratings"' in page
    good = {"hold-new_account_days": "14", "hold-burst_ratings": "5", "hold-burst_minutes": "30",
            "hold-network_ratings": "4", "hold-network_hours": "12"}
    assert owner.post("/c/kettles/hold-rules", data=good).status_code == 303
    assert holds.rules_of([company.id])[company.id] == HoldRules(14, 5, 30, 4, 12)

    response = owner.post("/c/kettles/hold-rules", data={**good, "hold-burst_ratings": "1",
                                                         "hold-network_hours": "eleven"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="1"' in page and 'value="eleven"' in page  # what was typed is kept
    assert page.count('class="error"') >= 2
    assert holds.rules_of([company.id])[company.id] == HoldRules(14, 5, 30, 4, 12)

    assert owner.post("/c/kettles/hold-rules", data={**good, "hold-reset": "y"}).status_code == 303
    assert holds.rules_of([company.id])[company.id] == DEFAULT_RULES


def test_the_credibility_panel_counts_who_rated_for_everyone(app, clock):
    product = factories.rated_product()
    rate(product, rater(400), address="198.51.100.80")
    rate(product, rater(3), address="198.51.100.81")
    invited = rater(0.5)
    db.session.add(ProductAccess(product_id=product.id, user_id=invited.id))
    db.session.commit()
    rate(product, invited, address="198.51.100.82")
    services.refresh_stage(product)
    db.session.commit()
    page = app.test_client().get(f"/p/{product.slug}/maturity").get_data(as_text=True)
    assert "Who rated v1" in page and "3 counted, 0 held" in page
    assert "0 through its sign-in (SSO), 1 by invitation" in page
    assert re.search(r"<dt>New accounts</dt><dd>2 ", page)  # 3 days and half a day old, of 7
    assert re.search(r"under a day</span> <meter min=\"0\" max=\"3\" value=\"1\">", page)
    assert "When is a rating held back?" in page and "3 or more accounts younger than 7 days" in page


def test_the_raters_own_export_shows_the_hold_and_not_the_network_hash(app, clock):
    from cocreate.auth import privacy

    product = factories.rated_product()
    users = [rater(1) for _ in range(3)]
    for n, user in enumerate(users):
        rate(product, user, address=f"198.51.100.{90 + n}")
    [row] = privacy.export(users[0])["ratings"]
    assert row["held"] is True and row["hold_reason"] == "burst"
    assert "network_hash" not in row and "198.51.100" not in str(row)
