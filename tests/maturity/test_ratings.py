"""Customer ratings: one per customer per version, editable until a newer version, bad input kept."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.maturity.models import Rating, RatingScore
from cocreate.products.models import Visibility
from tests import factories
from tests.conftest import csrf_token, login

HX = {"HX-Request": "true"}


def form(product, version=None, scores=(5, 4, None, 3, 4, 5), **extra):
    """A rating POST: scores per active touchpoint in order, None = skipped."""
    version = version or product.current_version
    tps = [t for t in product.touchpoints if t.active]
    data = {f"tp_{t.id}": "" if s is None else str(s) for t, s in zip(tps, scores, strict=False)}
    data |= {"version_id": str(version.id), "expected": "4", "experience": "returning", "comment": "Lovely"}
    return data | extra


def ratings():
    return list(db.session.scalars(sa.select(Rating)))


@pytest.fixture
def product():
    return factories.rated_product(versions=2)


def test_customer_rates_the_current_version_plain_post(client, logged_in, product):
    response = client.post(f"/p/{product.slug}/rate", data=form(product))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/p/{product.slug}/rate")
    [rating] = ratings()
    assert rating.user_id == logged_in.id and rating.version_id == product.current_version.id
    assert rating.expected == 4 and rating.returning and rating.comment == "Lovely"
    assert sorted(s.score for s in rating.scores) == [3, 4, 4, 5, 5]  # the skipped one has no row
    page = client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert "Your rating of" in page and "is saved" in page  # flashed confirmation
    assert "Save my changes" in page


def test_customer_rates_with_htmx_and_gets_the_form_back_in_place(client, logged_in, product):
    response = client.post(f"/p/{product.slug}/rate", data=form(product), headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="rating"' in html
    assert "Thank you! Your rating of v2 is saved." in html
    assert "HX-Request" in response.headers["Vary"]
    assert len(ratings()) == 1


def test_boosted_htmx_gets_a_redirect(client, logged_in, product):
    response = client.post(f"/p/{product.slug}/rate", data=form(product), headers={**HX, "HX-Boosted": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith("/rate")
    assert len(ratings()) == 1


def test_rating_again_changes_the_one_rating(client, logged_in, product):
    client.post(f"/p/{product.slug}/rate", data=form(product))
    response = client.post(f"/p/{product.slug}/rate", data=form(product, scores=(1, 1, 1, None, None, None),
                                                                 comment="Changed my mind", expected=""))
    assert response.status_code == 303
    [rating] = ratings()
    assert sorted(s.score for s in rating.scores) == [1, 1, 1] and rating.comment == "Changed my mind"
    assert rating.expected is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RatingScore)) == 3


def test_one_rating_per_customer_per_version_in_the_database(product):
    user = factories.UserFactory()
    factories.rating(product.current_version, user)
    with pytest.raises(IntegrityError):
        factories.rating(product.current_version, user)
    db.session.rollback()


def test_the_form_shows_the_existing_rating(client, logged_in, product):
    factories.rating(product.current_version, logged_in, (2, 3, 4, 5, 1, 2), comment="Remembered")
    page = client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert "Remembered" in page and "Save my changes" in page
    tp = product.touchpoints[0]
    assert f'id="tp_{tp.id}-2" name="tp_{tp.id}" type="radio" value="2"' in page


def test_a_newer_version_makes_the_old_rating_read_only(client, logged_in, product):
    old = product.current_version
    factories.rating(old, logged_in, (3, 3, 3, 3, 3, 3), comment="first")
    factories.VersionFactory(product=product, label="v3", released_on=date.today())
    response = client.post(f"/p/{product.slug}/rate", data=form(product, version=old, comment="sneaky edit"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not the current version" in page and "read-only" in page
    assert "sneaky edit" in page  # nothing lost from the form
    rating = db.session.scalar(sa.select(Rating).where(Rating.version_id == old.id))
    assert rating.comment == "first" and {s.score for s in rating.scores} == {3}
    # the earlier rating is listed read-only, and the form now rates v3
    assert "Your earlier ratings" in page and f'name="version_id" type="hidden" value="{product.current_version.id}"' \
        in page


def test_rating_a_version_that_is_not_released_yet_is_refused(client, logged_in, product):
    upcoming = factories.VersionFactory(product=product, label="v9", released_on=date.today() + timedelta(days=5))
    response = client.post(f"/p/{product.slug}/rate", data=form(product, version=upcoming))
    assert response.status_code == 400 and ratings() == []


def test_service_refuses_an_edit_after_a_newer_version(product):
    from cocreate.maturity import services
    from cocreate.products.services import add_version

    user = factories.UserFactory()
    old = product.current_version
    first = product.touchpoints[0].id
    services.save_rating(user, product, old, {first: 4}, expected=None, returning=False)
    add_version(product, label="v3", released_on=date.today())  # through the service: the board hears of it
    db.session.commit()
    with pytest.raises(services.MaturityError, match="read-only"):
        services.save_rating(user, product, old, {first: 5}, expected=3, returning=True)


@pytest.mark.parametrize("role", list(Role))
def test_team_members_cannot_rate_as_customers(client, product, role):
    login(client, factories.member(product.company, role))
    assert client.post(f"/p/{product.slug}/rate", data=form(product)).status_code == 403
    page = client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert "you cannot rate it as a customer" in page and "<form method=\"post\" action=\"/p/" not in page
    assert ratings() == []


@pytest.mark.parametrize("bad", ["7", "0", "-1", "abc", "4.5", "99999999999999999999"])
def test_scores_outside_1_to_5_get_a_message_and_keep_the_input(client, logged_in, product, bad):
    tps = [t for t in product.touchpoints if t.active]
    data = form(product, comment="keep me") | {f"tp_{tps[1].id}": bad}
    response = client.post(f"/p/{product.slug}/rate", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose a score from 1 to 5, or skip it." in page
    assert "keep me" in page
    assert f'id="tp_{tps[0].id}-5" name="tp_{tps[0].id}" type="radio" value="5"' in page  # still checked
    assert ratings() == []


def test_bad_expected_score_is_refused(client, logged_in, product):
    response = client.post(f"/p/{product.slug}/rate", data=form(product, expected="6"))
    assert response.status_code == 400 and "Choose a score from 1 to 5" in response.get_data(as_text=True)


@pytest.mark.parametrize("key", ["tp_999999", "tp_2147483648", "tp_0"])
def test_unknown_touchpoint_ids_are_refused_with_a_message(client, logged_in, product, key):
    response = client.post(f"/p/{product.slug}/rate", data=form(product, comment="still here") | {key: "4"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not part of this product" in page and "still here" in page
    assert ratings() == []


def test_a_touchpoint_of_another_product_is_refused(client, logged_in, product):
    other = factories.rated_product()
    response = client.post(f"/p/{product.slug}/rate", data=form(product) | {f"tp_{other.touchpoints[0].id}": "5"})
    assert response.status_code == 400 and ratings() == []


def test_retired_touchpoints_are_not_offered_nor_accepted(client, logged_in, product):
    from cocreate.extensions import utcnow

    retired = product.touchpoints[0]
    data = form(product)
    retired.retired_at = utcnow()
    db.session.commit()
    assert f'name="tp_{retired.id}"' not in client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert client.post(f"/p/{product.slug}/rate", data=data).status_code == 400


@pytest.mark.parametrize("version_id", ["abc", "", str(2**63), "999999"])
def test_a_bad_version_id_gets_a_message(client, logged_in, product, version_id):
    response = client.post(f"/p/{product.slug}/rate", data=form(product, version_id=version_id, comment="kept"))
    assert response.status_code == 400
    assert "kept" in response.get_data(as_text=True) and ratings() == []


def test_another_products_version_is_refused(client, logged_in, product):
    other = factories.rated_product()
    response = client.post(f"/p/{product.slug}/rate", data=form(product, version_id=str(other.current_version.id)))
    assert response.status_code == 400 and ratings() == []


def test_htmx_errors_come_back_in_place_with_the_message(client, logged_in, product):
    tps = [t for t in product.touchpoints if t.active]
    response = client.post(f"/p/{product.slug}/rate", data=form(product) | {f"tp_{tps[0].id}": "9"}, headers=HX)
    assert response.status_code == 200  # htmx swaps only 2xx; the fragment carries the error
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Choose a score from 1 to 5" in html and ratings() == []


def test_anonymous_goes_to_login(client, product):
    response = client.get(f"/p/{product.slug}/rate")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    response = client.post(f"/p/{product.slug}/rate", data=form(product), headers=HX)
    assert "/login" in response.headers["HX-Redirect"]


def test_private_product_is_a_404_for_outsiders(client, logged_in):
    private = factories.rated_product(visibility=Visibility.PRIVATE)
    assert client.get(f"/p/{private.slug}/rate").status_code == 404
    assert client.post(f"/p/{private.slug}/rate", data=form(private)).status_code == 404


def test_a_product_without_a_released_version(client, logged_in):
    product = factories.rated_product(versions=0)
    assert "no released version" in client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert client.post(f"/p/{product.slug}/rate", data={"version_id": "1"}).status_code == 400


def test_rating_without_csrf_token_is_refused(client, logged_in, product, csrf):
    assert client.post(f"/p/{product.slug}/rate", data=form(product)).status_code == 400
    token = csrf_token(client, f"/p/{product.slug}/rate")
    assert client.post(f"/p/{product.slug}/rate", data=form(product, csrf_token=token)).status_code == 303
    assert len(ratings()) == 1


def test_the_rating_form_needs_no_inline_script_or_style(client, logged_in, product):
    page = client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    assert 'hx-post="/p/' in page and 'method="post"' in page


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
def test_a_rating_with_every_touchpoint_skipped_is_refused_in_place_and_nothing_is_stored(client, logged_in, product,
                                                                                          headers):
    """Issue 14.10: it used to be thanked as "saved" while it said nothing."""
    response = client.post(f"/p/{product.slug}/rate", data=form(product, scores=(None,) * 6, comment="keep me"),
                           headers=headers)
    page = response.get_data(as_text=True)
    assert "Score at least one touchpoint" in page
    assert "is saved" not in page and "keep me" in page
    assert response.status_code == (200 if headers else 400)  # htmx: the form with its message, in place
    assert ratings() == []


def test_the_rating_form_follows_a_renamed_touchpoint_and_the_language_at_once(client, logged_in, product):
    """The form's class is kept per touchpoints as shown (cocreate/maturity/forms.py): a new name, a new
    touchpoint or another language is another class, never a stale label."""
    first = [t for t in product.touchpoints if t.active][0]
    html = client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert first.name in html
    first.name = "Unboxing, renamed"
    first.names = {"nl": "Uitpakken"}
    db.session.commit()
    html = client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
    assert "Unboxing, renamed" in html
    logged_in.locale = "nl"
    db.session.commit()
    assert "Uitpakken" in client.get(f"/p/{product.slug}/rate").get_data(as_text=True)
