"""Misses open with a low rating, are answered and closed by the team, and recover with the customer's new score;
emotions are saved with the rating and counted in the stored figures (issue 17, parts 1-2)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from cocreate.maturity import services as maturity
from cocreate.maturity.models import Rating
from cocreate.maturity.services import MaturityError
from cocreate.misses import services
from cocreate.misses.models import Miss, MissReply
from cocreate.misses.services import MissError
from cocreate.notifications.models import MailMessage, Notification
from cocreate.webhooks.models import Webhook, WebhookDelivery
from tests import factories
from tests.conftest import count_queries, login


def rate(product, user, scores, *, expected=None, emotions=None, comment=""):
    tps = [t for t in product.touchpoints if t.active]
    rating = maturity.save_rating(user, product, product.current_version,
                                  {t.id: s for t, s in zip(tps, scores, strict=False)}, expected=expected,
                                  returning=False, comment=comment,
                                  emotions={(tps[i].id if i is not None else 0): e
                                            for i, e in (emotions or {}).items()})
    db.session.commit()
    return rating


def old_account(**kwargs):
    """A customer of long standing: a burst of new accounts would be held (holds.py) and open no misses."""
    return factories.UserFactory(created_at=utcnow() - timedelta(days=90), **kwargs)


@pytest.fixture
def product():
    return factories.rated_product(versions=1)


def new_version(product, label="v2"):
    version = factories.VersionFactory(product=product, label=label, released_on=date.today())
    db.session.commit()
    return version


def misses_of(product):
    return list(db.session.scalars(sa.select(Miss).where(Miss.product_id == product.id).order_by(Miss.id)))


def test_a_touchpoint_rated_two_or_two_below_expected_opens_a_miss(product):
    customer = old_account()
    rate(product, customer, (4, 2, 4, 3, 5, 4), expected=5, comment="Slow delivery")
    found = misses_of(product)
    tps = [t for t in product.touchpoints if t.active]
    assert [(m.touchpoint_id, m.score, m.expected) for m in found] == [(tps[1].id, 2, 5), (tps[3].id, 3, 5)]
    assert all(m.state == "open" for m in found)
    figures = maturity.current_maturity(product).figures
    assert (figures.misses.opened, figures.misses.open) == (2, 2)
    assert [m.touchpoint_id for m in figures.miss_touchpoints] == [tps[1].id, tps[3].id]


def test_no_miss_without_a_low_score_and_saving_again_opens_no_second(product):
    customer = old_account()
    rate(product, customer, (3, 3, 3, 3, 3, 3), expected=4)
    assert misses_of(product) == []
    rate(product, customer, (1, 3, 3, 3, 3, 3), expected=4)
    rate(product, customer, (2, 3, 3, 3, 3, 3), expected=4)
    assert [(m.score) for m in misses_of(product)] == [2]


def test_an_unverified_rater_opens_no_miss_until_the_address_is_confirmed(product):
    from cocreate import events

    customer = factories.UserFactory(email_verified_at=None)
    rate(product, customer, (1, 4, 4, 4, 4, 4))
    assert misses_of(product) == []
    customer.email_verified_at = utcnow()
    events.email_verified.send(customer)  # the sums take the rating in (maturity), its misses open (misses)
    db.session.commit()
    assert [m.score for m in misses_of(product)] == [1]


def test_answer_close_and_recover(product):
    owner = factories.member(product.company, Role.OWNER)
    customer = old_account()
    rate(product, customer, (4, 1, 4, 4, 4, 4), expected=4, emotions={1: "dissatisfaction"})
    miss = misses_of(product)[0]

    services.answer(miss, owner, "Sorry, we are on it.")
    db.session.commit()
    assert miss.state == "answered" and miss.first_answer_at is not None
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == customer.id)).all()
    assert [n.kind for n in told] == ["miss_answer"] and "Sorry, we are on it." in told[0].body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)
                             .where(MailMessage.to_address == customer.email)) == 1

    with pytest.raises(MissError):  # the version that missed cannot fix it
        services.close(miss, owner, miss.version)
    db.session.rollback()
    fixed = new_version(product)
    services.close(miss, owner, fixed, "Fixed the courier.")
    db.session.commit()
    assert miss.state == "closed" and miss.fixed_version_id == fixed.id
    kinds = [n.kind for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == customer.id)
                                                .order_by(Notification.id))]
    assert kinds == ["miss_answer", "miss_answer", "miss_fixed"]
    assert maturity.current_maturity(product).figures.misses.recovered == 0.0

    rate(product, customer, (4, 3, 4, 4, 4, 4), expected=4)  # better, not yet what they expected
    db.session.refresh(miss)
    assert (miss.rerated_score, miss.recovered_at) == (3, None)
    rate(product, customer, (4, 4, 4, 4, 4, 4), expected=4)
    db.session.refresh(miss)
    assert miss.state == "recovered" and miss.rerated_score == 4
    got = maturity.current_maturity(product).figures.misses
    assert (got.open, got.recovered, got.uplift) == (0, 1.0, 6.0)


def test_answers_are_refused_empty_and_closing_twice(product):
    owner = factories.member(product.company, Role.OWNER)
    rate(product, old_account(), (1, 4, 4, 4, 4, 4))
    miss = misses_of(product)[0]
    with pytest.raises(MissError):
        services.answer(miss, owner, "   ")
    fixed = new_version(product)
    services.close(miss, owner, fixed)
    db.session.commit()
    assert miss.first_answer_at == miss.closed_at  # closing answers it
    with pytest.raises(MissError):
        services.close(miss, owner, fixed)


def test_an_unanswered_miss_older_than_the_target_blocks_excellent_once_the_schedule_judges_again(product):
    from cocreate.maturity.tasks import refresh_board

    owner = factories.member(product.company, Role.OWNER)
    customer = old_account()
    rate(product, customer, (1, 5, 5, 5, 5, 5))
    miss = misses_of(product)[0]
    miss.opened_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert maturity.current_maturity(product).figures.misses.unanswered_overdue == 0  # stored before it was late
    refresh_board.call_local()
    assert maturity.current_maturity(product).figures.misses.unanswered_overdue == 1
    services.answer(miss, owner, "Looking into it")
    db.session.commit()
    assert maturity.current_maturity(product).figures.misses.unanswered_overdue == 0


def test_an_unanswered_late_miss_is_what_keeps_a_product_from_excellent(product):
    from cocreate.maturity.tasks import refresh_board

    owner = factories.member(product.company, Role.OWNER)
    factories.plain_idea(product, title="answered", created_at=utcnow() - timedelta(hours=3),
                         first_response_at=utcnow() - timedelta(hours=2), answered=True)
    for _ in range(11):
        rate(product, old_account(), (5, 5, 5, 5, 5, 5))
    unhappy = old_account()
    rate(product, unhappy, (5, 5, 5, 5, 5, 2), expected=5)  # one miss among twelve raters
    maturity.refresh_stage(product)
    db.session.commit()
    assert maturity.current_maturity(product).stage == "Excellent"
    miss = misses_of(product)[0]
    miss.opened_at = utcnow() - timedelta(hours=24, minutes=1)
    db.session.commit()
    refresh_board.call_local()
    m = maturity.current_maturity(product)
    assert m.stage == "Good" and m.verdict.blockers == ["1 miss unanswered for more than 24 h"]
    services.answer(miss, owner, "Sorry, we will look at it.")
    db.session.commit()
    assert maturity.current_maturity(product).stage == "Excellent"


def test_emotions_are_stored_counted_and_moved_with_the_rating(product):
    customer = old_account()
    rate(product, customer, (4, 4, 4, 4, 4, 4), emotions={None: "joy", 3: "boredom"})
    fig = maturity.current_maturity(product).figures
    assert fig.emotions == {"joy": 1} and fig.delight_share == 1.0
    assert fig.touchpoints[3].emotions == {"boredom": 1} and fig.touchpoints[3].negative_share == 1.0
    rate(product, customer, (4, 4, 4, 4, 4, 4), emotions={None: "fear"})  # changed: moved, not added
    fig = maturity.current_maturity(product).figures
    assert fig.emotions == {"fear": 1} and fig.negative_share == 1.0 and fig.touchpoints[3].emotions == {}


def test_an_emotion_needs_a_known_key_and_a_scored_touchpoint(product):
    customer = old_account()
    with pytest.raises(MaturityError, match="emotions shown"):
        rate(product, customer, (4, 4, 4, 4, 4, 4), emotions={None: "rage"})
    db.session.rollback()
    with pytest.raises(MaturityError, match="a score to say what you felt"):
        rate(product, customer, (4, None, 4, 4, 4, 4), emotions={1: "joy"})


def test_the_emotion_mix_moves_from_the_previous_version(product):
    for feeling in ("joy", "boredom"):
        rate(product, old_account(), (4, 4, 4, 4, 4, 4), emotions={None: feeling})
    new_version(product)
    for feeling in ("joy", "joy", "satisfaction", "boredom"):
        rate(product, old_account(), (4, 4, 4, 4, 4, 4), emotions={None: feeling})
    fig = maturity.current_maturity(product).figures
    assert (fig.delight_share, fig.negative_share) == (0.5, 0.25)
    assert (fig.previous_delight_share, fig.previous_negative_share) == (0.5, 0.5)


def test_miss_opened_goes_to_the_webhooks_without_who_rated(product):
    db.session.add(Webhook(company_id=product.company_id, url="https://hooks.example.com/x", secret="whsec_x",
                           events=["miss.opened"], active=True))
    db.session.commit()
    customer = old_account(name="Ann Secret")
    rate(product, customer, (4, 4, 4, 2, 4, 4), comment="Late again", emotions={3: "sadness"})
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    data = delivery.payload["data"]
    assert data["miss"]["score"] == 2 and data["miss"]["emotion"] == "sadness"
    assert data["miss"]["comment"] == "Late again"
    assert "Ann Secret" not in str(delivery.payload) and customer.email not in str(delivery.payload)


def test_the_team_hears_of_a_miss_at_once_in_its_bell_and_customers_and_marketing_do_not(client, product):
    owner, product_owner = factories.member(product.company, Role.OWNER), factories.member(product.company,
                                                                                          Role.PRODUCT)
    marketing = factories.member(product.company, Role.MARKETING)
    dutch = factories.member(product.company, Role.PRODUCT, locale="nl")
    rate(product, old_account(name="Ann Secret"), (4, 4, 4, 2, 4, 4), comment="Late again")
    told = {n.user_id: n for n in db.session.scalars(sa.select(Notification).where(Notification.kind == "miss_opened"))}
    assert set(told) == {owner.id, product_owner.id, dutch.id} and marketing.id not in told
    miss = db.session.scalar(sa.select(Miss))
    touchpoint = miss.touchpoint.name
    assert told[owner.id].subject == f"A customer gave {touchpoint} of {product.name} v1 2 of 5"
    assert "“Late again”" in told[owner.id].body and "Ann Secret" not in told[owner.id].subject
    assert told[owner.id].url == f"/p/{product.slug}/misses/{miss.id}"
    assert told[dutch.id].subject.startswith("Een klant gaf ")
    login(client, product_owner)
    assert client.get(told[product_owner.id].url).status_code == 200  # the link leads to the miss, to answer it


# --------------------------------------------------------------------------- pages

def test_the_team_answers_and_closes_from_the_list_and_a_customer_sees_only_theirs(client, product):
    owner = factories.member(product.company, Role.PRODUCT)
    customer, other = old_account(), old_account()
    rate(product, customer, (4, 4, 1, 4, 4, 4), comment="It broke", emotions={2: "disgust"})
    miss = misses_of(product)[0]
    fixed = new_version(product)

    login(client, other)
    assert client.get(f"/p/{product.slug}/misses/{miss.id}").status_code == 404
    assert client.get(f"/p/{product.slug}/misses").status_code == 403
    client.post("/logout")

    login(client, owner)
    page = client.get(f"/p/{product.slug}/misses").get_data(as_text=True)
    assert "It broke" in page and "Disgust" in page and customer.name in page
    refused = client.post(f"/p/{product.slug}/misses/{miss.id}/answer", data={"a-body": ""})
    assert refused.status_code == 400 and "Write your answer" in refused.get_data(as_text=True)
    sent = client.post(f"/p/{product.slug}/misses/{miss.id}/answer", data={"a-body": "We hear you"})
    assert sent.status_code == 303
    wrong = client.post(f"/p/{product.slug}/misses/{miss.id}/close", data={"c-version": "0"})
    assert wrong.status_code == 400 and "Name the version" in wrong.get_data(as_text=True)
    closed = client.post(f"/p/{product.slug}/misses/{miss.id}/close", data={"c-version": str(fixed.id)})
    assert closed.status_code == 303
    client.post("/logout")

    login(client, customer)
    mine = client.get(f"/p/{product.slug}/misses/{miss.id}").get_data(as_text=True)
    assert "We hear you" in mine and fixed.label in mine
    assert client.post(f"/p/{product.slug}/misses/{miss.id}/answer", data={"a-body": "x"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MissReply)) == 1


def test_the_list_costs_the_same_queries_for_2_and_12_misses(client, product):
    owner = factories.member(product.company, Role.OWNER)
    login(client, owner)

    def queries():
        with count_queries() as counted:
            assert client.get(f"/p/{product.slug}/misses").status_code == 200
        return counted()

    for _ in range(2):
        rate(product, old_account(), (1, 1, 4, 4, 4, 4), comment="no")
    few = queries()
    for _ in range(10):
        rate(product, old_account(), (1, 1, 4, 4, 4, 4), comment="no")
    assert queries() == few


def test_the_rating_form_saves_emotions_and_a_refusal_keeps_every_answer(client, product):
    customer = old_account()
    tps = [t for t in product.touchpoints if t.active]
    login(client, customer)
    data = {"version_id": str(product.current_version.id), "experience": "first", "expected": "4",
            **{f"tp_{t.id}": "4" for t in tps}, f"tp_{tps[2].id}": "2", "feel_0": "hope", f"feel_{tps[2].id}": "rage"}
    refused = client.post(f"/p/{product.slug}/rate", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Choose one of the emotions shown" in page
    assert 'name="feel_0" value="hope" checked' in page  # the other answers are kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Miss)) == 0
    for headers in ({}, {"HX-Request": "true"}):
        data[f"feel_{tps[2].id}"] = "sadness"
        saved = client.post(f"/p/{product.slug}/rate", data=data, headers=headers)
        assert saved.status_code in (200, 303)
    rating = db.session.scalar(sa.select(Rating))
    assert rating.emotion_map == {0: "hope", tps[2].id: "sadness"}
    again = client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert f'name="feel_{tps[2].id}" value="sadness" checked' in again
    assert "What the team noticed" in again  # the 2 opened a miss, and the customer sees it was noticed


def test_the_api_and_the_csv_carry_misses_and_emotions(client, product):
    from tests.api.conftest import bearer as auth
    from tests.api.conftest import token_for

    owner = factories.member(product.company, Role.OWNER)
    rate(product, old_account(name="Bo"), (4, 4, 4, 4, 1, 4), comment="=HYPERLINK(x)", emotions={4: "fear"})
    found = client.get(f"/api/v1/products/{product.slug}/misses", headers=auth(token_for(owner))).get_json()
    assert [(m["score"], m["emotion"], m["state"], m["rater"]) for m in found["data"]] == [(1, "fear", "open", "Bo")]
    outsider = factories.UserFactory()
    assert client.get(f"/api/v1/products/{product.slug}/misses",
                      headers=auth(token_for(outsider))).status_code == 403
    maturity_json = client.get(f"/api/v1/products/{product.slug}/maturity", headers=auth(token_for(owner))).get_json()
    assert maturity_json["figures"]["misses"]["open"] == 1
    assert maturity_json["figures"]["touchpoints"][4]["emotions"] == {"fear": 1}
    login(client, owner)
    text = client.get(f"/p/{product.slug}/misses.csv").get_data(as_text=True)
    header, row = text.lstrip("\ufeff").splitlines()[:2]
    assert header.startswith("opened_at,version,touchpoint,score") and ",fear,'=HYPERLINK(x)," in row


def test_flask_maturity_verify_finds_a_miss_that_was_never_opened(runner, product):
    rate(product, old_account(), (1, 4, 4, 4, 4, 4))
    assert "match the facts" in runner.invoke(args=["maturity", "verify"]).output
    factories.rating(product.current_version, old_account(), scores=(4, 2, 4, 4, 4, 4))  # behind the service's back
    maturity.refresh_stage(product)
    db.session.commit()
    result = runner.invoke(args=["maturity", "verify"])
    assert result.exit_code != 0 and "scored 2 (expected None) has no miss" in result.output


def test_held_ratings_open_their_misses_when_the_team_releases_them(product):
    from cocreate.maturity import holds

    owner = factories.member(product.company, Role.OWNER)
    new_accounts = [factories.UserFactory() for _ in range(6)]  # a burst of new accounts: held (holds.py)
    for user in new_accounts:
        rate(product, user, (1, 4, 4, 4, 4, 4))
    held = list(db.session.scalars(sa.select(Rating).where(Rating.held.is_(True))))
    assert len(held) >= 2
    # The first of the burst opened their misses before it was found; held now, they count nowhere, and the rest of
    # the burst opened none.
    assert not {m.rating_id for m in services.team_list(product)} & {r.id for r in held}
    counted = maturity.current_maturity(product).figures.misses.opened
    assert counted == len(new_accounts) - len(held)
    holds.release(owner, product, [r.id for r in held], "We know these customers from the launch event.")
    db.session.commit()
    assert {r.id for r in held} <= {m.rating_id for m in services.team_list(product)}
    assert maturity.current_maturity(product).figures.misses.opened == len(new_accounts)


def test_the_teams_rating_comments_show_and_carry_what_the_rater_felt(client, product):
    from tests.api.conftest import bearer, token_for

    owner = factories.member(product.company, Role.OWNER)
    rate(product, old_account(), (4, 4, 4, 4, 4, 4), comment="Lovely unboxing", emotions={None: "joy", 0: "admiration"})
    found = client.get(f"/api/v1/products/{product.slug}/rating-comments",
                       headers=bearer(token_for(owner))).get_json()["data"][0]
    assert found["emotion"] == "joy"
    assert [s["emotion"] for s in found["scores"]][:2] == ["admiration", None]
    login(client, owner)
    panel = client.get(f"/p/{product.slug}/maturity").get_data(as_text=True).split('class="rating-comment"')[1]
    assert "Lovely unboxing" in panel and "Joy" in panel and "Admiration" in panel
