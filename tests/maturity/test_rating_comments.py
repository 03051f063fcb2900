"""Rating comments reach the team (issue 14.4): the maturity page's panel and the API, and nobody else."""

from datetime import timedelta

import pytest

from cocreate.auth import privacy
from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from tests import factories
from tests.api.conftest import bearer, token_for
from tests.conftest import count_queries, login

HX = {"HX-Request": "true"}


@pytest.fixture
def product():
    product = factories.rated_product(versions=2)
    old, current = product.versions[1], product.versions[0]
    now = utcnow()
    comments = [  # (version, scores per touchpoint, comment, hours ago)
        (current, (5, 5, 5, 5, 5, 5), "Lovely, the unlock is instant now.", 1),
        (current, (2, 3, 3, 1, 2, 2), "The delivery took three weeks.", 5),
        (current, (4, 4, 4, 4, 4, 4), "", 3),  # no comment: not listed
        (current, (3, None, 3, 3, 3, 4), "Fine, nothing special.", 9),
        (old, (1, 1, 1, 1, 1, 1), "The first version crashed every day.", 200),
    ]
    for version, scores, text, hours in comments:
        rater = factories.UserFactory(name=f"Rater {hours}")
        row = factories.rating(version, rater, scores, comment=text)
        row.updated_at = now - timedelta(hours=hours)
    db.session.commit()
    return product


@pytest.fixture
def team(product):
    return factories.member(product.company, Role.PRODUCT)


def _panel(client, product, **args) -> str:
    return client.get(f"/p/{product.slug}/maturity", query_string=args).get_data(as_text=True)


def test_the_team_reads_the_comments_of_the_current_version_newest_first(client, product, team):
    login(client, team)
    page = _panel(client, product)
    assert 'id="comments"' in page
    newest, middle, oldest = ("Lovely, the unlock is instant now.", "The delivery took three weeks.",
                              "Fine, nothing special.")
    assert page.index(newest) < page.index(middle) < page.index(oldest)
    assert "The first version crashed every day." not in page  # another version
    assert "Rater 5" in page and "Rater 3" not in page  # who wrote it; a rating without a comment is not listed


def test_filters_by_version_touchpoint_and_score_without_javascript(client, product, team):
    login(client, team)
    old = product.versions[1]
    assert "The first version crashed every day." in _panel(client, product, version=old.id)
    delivery = next(t for t in product.touchpoints if t.name == "Delivery")
    ease = next(t for t in product.touchpoints if t.name == "Ease of use")
    low_delivery = _panel(client, product, touchpoint=delivery.id, score=1)
    assert "The delivery took three weeks." in low_delivery and "Lovely" not in low_delivery
    # The touchpoint alone: ratings that scored it (the third comment skipped "Ease of use").
    scored_ease = _panel(client, product, touchpoint=ease.id)
    assert "Lovely" in scored_ease and "Fine, nothing special." not in scored_ease
    # The score alone: the rating's average score, rounded (3.17 -> 3).
    average_three = _panel(client, product, score=3)
    assert "Fine, nothing special." in average_three and "Lovely" not in average_three
    assert "No comment on v2 matches these filters." in _panel(client, product, score=4)


def test_filters_and_pages_swap_in_place_with_htmx(client, product, team):
    login(client, team)
    delivery = next(t for t in product.touchpoints if t.name == "Delivery")
    response = client.get(f"/p/{product.slug}/maturity/comments", query_string={"touchpoint": delivery.id,
                                                                                "score": 5}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and html.lstrip().startswith('<section')
    assert "Lovely" in html and "three weeks" not in html
    # Without htmx the same address is the maturity page, at the panel.
    plain = client.get(f"/p/{product.slug}/maturity/comments", query_string={"score": 5})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#comments")
    assert "score=5" in plain.headers["Location"]


def test_comments_come_in_pages_of_twenty(client, product, team):
    version = product.current_version
    for n in range(22):
        row = factories.rating(version, factories.UserFactory(), comment=f"Comment number {n:02d}")
        row.updated_at = utcnow() + timedelta(minutes=n)  # newer than the fixture's
    db.session.commit()
    login(client, team)
    first = _panel(client, product)
    assert "Comment number 21" in first and "Comment number 02" in first and "Comment number 01" not in first
    assert "Older" in first and "Newer" not in first
    second = _panel(client, product, page=2)
    assert "Comment number 01" in second and "Lovely" in second and "Newer" in second


def test_a_page_of_comments_costs_two_queries_whatever_its_size(app, product):
    from cocreate.maturity.comments import rating_comments

    version = product.current_version
    with count_queries() as few:
        assert len(rating_comments(version).comments) == 3
    for n in range(15):
        factories.rating(version, factories.UserFactory(), comment=f"More {n}")
    version = db.session.get(type(version), version.id)
    with count_queries() as many:
        assert len(rating_comments(version).comments) == 18
    assert few() == many() == 2


@pytest.mark.parametrize("who", ["visitor", "customer", "rater", "other company"])
def test_nobody_outside_the_team_reads_others_comments(client, product, who):
    if who == "customer":
        login(client, factories.UserFactory())
    elif who == "rater":  # one of the raters: their own comment is on their rating form, nobody else's anywhere
        rater = factories.UserFactory()
        factories.rating(product.current_version, rater, comment="My own words")
        login(client, rater)
    elif who == "other company":
        login(client, factories.member(factories.CompanyFactory(), Role.OWNER))
    page = _panel(client, product)
    assert 'id="comments"' not in page and "three weeks" not in page and "Lovely" not in page
    fragment = client.get(f"/p/{product.slug}/maturity/comments", headers=HX)
    if who == "visitor":  # htmx is sent to log in first
        assert "/login" in fragment.headers.get("HX-Redirect", fragment.headers.get("Location", ""))
    else:
        assert fragment.status_code == 403
    assert "three weeks" not in fragment.get_data(as_text=True)


def test_an_erased_account_takes_its_comments_with_it(client, product, team):
    rater = factories.UserFactory(name="Leaving Soon")
    factories.rating(product.current_version, rater, comment="Please forget me")
    login(client, team)
    assert "Please forget me" in _panel(client, product)
    privacy.erase(db.session.get(type(rater), rater.id))
    db.session.commit()
    page = _panel(client, product)
    assert "Please forget me" not in page and "Leaving Soon" not in page


# --------------------------------------------------------------------------- the API

def test_the_api_gives_the_team_the_comments(client, product, team):
    headers = bearer(token_for(team))
    response = client.get(f"/api/v1/products/{product.slug}/rating-comments", headers=headers)
    assert response.status_code == 200
    body = response.json
    assert body["version"] == "v2" and body["next"] is None
    assert [c["comment"] for c in body["data"]] == ["Lovely, the unlock is instant now.",
                                                    "The delivery took three weeks.", "Fine, nothing special."]
    assert body["data"][1]["scores"][3] == {"touchpoint_id": body["data"][1]["scores"][3]["touchpoint_id"],
                                            "touchpoint": "Delivery", "score": 1, "emotion": None}
    older = client.get(f"/api/v1/products/{product.slug}/rating-comments?version=v1&lang=nl", headers=headers).json
    assert [c["comment"] for c in older["data"]] == ["The first version crashed every day."]
    assert older["data"][0]["scores"][3]["touchpoint"] == "Levering"
    paged = client.get(f"/api/v1/products/{product.slug}/rating-comments?limit=2", headers=headers).json
    assert len(paged["data"]) == 2 and paged["next_cursor"]
    rest = client.get(paged["next"], headers=headers).json
    assert [c["comment"] for c in rest["data"]] == ["Fine, nothing special."] and rest["next"] is None
    delivery = next(t for t in product.touchpoints if t.name == "Delivery")
    low = client.get(f"/api/v1/products/{product.slug}/rating-comments?touchpoint_id={delivery.id}&score=1",
                     headers=headers).json
    assert [c["comment"] for c in low["data"]] == ["The delivery took three weeks."]


def test_a_read_token_of_the_team_reads_them_too(client, product, team):
    from cocreate.api.services import create_token

    _row, token = create_token(team, "read only", scope="read")
    db.session.commit()
    assert client.get(f"/api/v1/products/{product.slug}/rating-comments", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("who", ["customer", "rater", "other company"])
def test_the_api_refuses_the_comments_to_everyone_else(client, product, who):
    user = factories.UserFactory()
    if who == "rater":
        factories.rating(product.current_version, user, comment="Mine")
    elif who == "other company":
        user = factories.member(factories.CompanyFactory(), Role.OWNER)
    response = client.get(f"/api/v1/products/{product.slug}/rating-comments", headers=bearer(token_for(user)))
    assert response.status_code == 403 and "three weeks" not in response.get_data(as_text=True)
    assert client.get(f"/api/v1/products/{product.slug}/rating-comments").status_code == 401


@pytest.mark.parametrize(("query", "status"), [("version=v9", 404), ("touchpoint_id=999999", 404), ("score=6", 400),
                                                ("score=abc", 400), ("limit=0", 400), ("page=2", 400),
                                                ("lang=de", 400)])
def test_bad_filters_are_refused_clearly(client, product, team, query, status):
    response = client.get(f"/api/v1/products/{product.slug}/rating-comments?{query}", headers=bearer(token_for(team)))
    assert response.status_code == status and response.json["error"]["message"]


def test_a_held_ratings_comment_is_shown_marked_held(client, product, team):
    """A rating the hold rules keep out of the figures still says something: the team reads it, marked held."""
    from cocreate.maturity import holds, stored
    from cocreate.maturity.models import Rating, RatingScore

    version = product.current_version
    active = [t for t in product.touchpoints if t.active]
    user = factories.UserFactory(name="Burst Rater")
    row = Rating(version_id=version.id, user_id=user.id, comment="Part of a burst", held=True, hold_reason="burst",
                 rater_since=user.created_at, rater_verified=True)
    row.scores = [RatingScore(touchpoint_id=t.id, score=1) for t in active]
    db.session.add(row)
    db.session.flush()
    stored.move(version.id, None, stored.counted(row, {t.id for t in active}))  # nothing: it is held
    holds.move_credibility(version.id, None, holds.part(row))
    db.session.commit()
    login(client, team)
    page = _panel(client, product)
    item = page[page.index("Part of a burst"):]
    assert '<span class="badge warn">Held</span>' in item[:item.index("</li>")]
    data = client.get(f"/api/v1/products/{product.slug}/rating-comments", headers=bearer(token_for(team))).json["data"]
    assert [c["held"] for c in data if c["comment"] == "Part of a burst"] == [True]
    assert not any(c["held"] for c in data if c["comment"] != "Part of a burst")
