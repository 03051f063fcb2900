"""The board and the maturity page show stored figures: a page view reads no rating, idea or vote; a rating moves
the sums in O(1) and the board at once; `flask maturity verify` finds any difference from the raw facts."""

import re

import sqlalchemy as sa

from cocreate.extensions import db
from cocreate.maturity import stored
from cocreate.maturity.models import TouchpointTally, VersionTally
from tests import factories
from tests.conftest import login
from tests.maturity.test_ratings import form


def statements_during(client, path: str) -> list[str]:
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)
    return seen


def reads_raw_facts(statements: list[str]) -> list[str]:
    return [s for s in statements if re.search(r"\bFROM (ratings|rating_scores|ideas|votes)\b", s)]


def test_board_and_maturity_page_read_stored_figures_and_a_rating_moves_them_at_once(app, client, runner):
    product = factories.rated_product(versions=1, name="Stored Bike")
    for _ in range(9):
        factories.rating(product.current_version, scores=(5, 5, 5, 5, 5, 5))
    factories.idea(product, title="Kickstand")
    assert runner.invoke(args=["tasks", "run", "refresh_board"]).exit_code == 0  # the schedule stores them

    board = statements_during(client, "/board")
    assert reads_raw_facts(board) == []  # no rating, idea or vote is read to show the board
    assert "Needs 1 more rater (9 of 10)" in client.get("/board").get_data(as_text=True)
    assert reads_raw_facts(statements_during(client, f"/p/{product.slug}/maturity")) == []

    # The tenth rater, through the rating form: the stage moves without a recomputation from the ratings.
    rater = app.test_client()
    login(rater, factories.UserFactory())
    with_rating = []

    def listener(conn, cursor, statement, *args):
        with_rating.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        assert rater.post(f"/p/{product.slug}/rate", data=form(product, scores=(5, 5, 5, 5, 5, 5))).status_code == 303
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)
    scans = [s for s in with_rating if re.search(r"\bFROM (ideas|votes)\b", s)
             or re.search(r"FROM ratings\b(?!.*ratings\.user_id = )", s, re.S)]
    # Besides the rater's own rating (and its reload by primary key after the commit), the hold rules read their
    # windows: the version's ratings since a moment, on an index that starts with the version and the time
    # (tests/maturity/test_holds.py shows the plan), never the version's ratings as a whole.
    scans = [s for s in scans if not re.search(r"WHERE ratings\.id = \S+$", s)
             and not re.search(r"WHERE ratings\.version_id = .* AND ratings\.created_at >= [^\n]+$", s, re.S)]
    assert scans == []  # no scan of the version's ratings or the ideas
    page = client.get("/board").get_data(as_text=True)
    assert "Needs 1 more rater" not in page and "Raters" in page


def test_sums_move_exactly_with_edits_and_a_retired_touchpoint(app, client):
    product = factories.rated_product(versions=1)
    version = product.current_version
    for scores in [(5, 4, 3, 5, 4, 3), (1, 2, None, 2, 1, 2), (3, 3, 3, 3, 3, 3)]:
        factories.rating(version, scores=scores, expected=4)
    login(client, user := factories.UserFactory())
    assert client.post(f"/p/{product.slug}/rate", data=form(product, scores=(4, 4, 4, 4, 4, 4), expected="3")
                       ).status_code == 303
    assert client.post(f"/p/{product.slug}/rate", data=form(product, scores=(2, 5, 5, 5, 5, 5), expected="5")
                       ).status_code == 303  # an edit: the old scores leave the sums, the new ones enter
    tally = db.session.get(VersionTally, version.id)
    assert tally.raters == 4
    first = [t for t in product.touchpoints if t.active][0]
    assert db.session.get(TouchpointTally, (version.id, first.id)).total == 5 + 1 + 3 + 2
    # Retiring a touchpoint changes every rater's grade: the sums are rebuilt, and still match the facts.
    login(team := app.test_client(), factories.member(product.company))
    assert team.post(f"/p/{product.slug}/touchpoints/{first.id}/retire").status_code == 303
    assert stored.differences([product]) == []
    assert user  # the rater stays


def test_verify_reports_a_sum_out_of_step_and_rebuild_repairs_it(runner):
    product = factories.rated_product(versions=1)
    factories.rating(product.current_version, scores=(5, 5, 5, 5, 5, 5))
    assert runner.invoke(args=["maturity", "rebuild"]).exit_code == 0
    assert "match the facts" in runner.invoke(args=["maturity", "verify"]).output
    db.session.execute(sa.update(VersionTally).values(raters=VersionTally.raters + 1))  # a lost update, say
    db.session.commit()
    result = runner.invoke(args=["maturity", "verify"])
    assert result.exit_code != 0 and "stored sums" in result.output
    assert runner.invoke(args=["maturity", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["maturity", "verify"]).exit_code == 0


def test_the_boards_poll_costs_a_304_while_nothing_changed(app, client, runner):
    product = factories.rated_product(versions=1)
    assert runner.invoke(args=["tasks", "run", "refresh_board"]).exit_code == 0
    first = client.get("/board", headers={"HX-Request": "true"})
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/board", headers={"HX-Request": "true", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    page = client.get("/board", headers={"If-None-Match": first.headers["ETag"]})
    assert page.status_code == 200  # the whole page is another representation (another ETag)

    factories.rating(product.current_version)
    from cocreate.maturity.services import refresh_stage

    refresh_stage(product, ideas=False)  # what the rating's event does
    db.session.commit()
    moved = client.get("/board", headers={"HX-Request": "true", "If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200 and moved.headers["ETag"] != first.headers["ETag"]
    dutch = client.get("/board", headers={"HX-Request": "true", "If-None-Match": moved.headers["ETag"],
                                          "Accept-Language": "nl"})
    assert dutch.status_code == 200  # another language, another copy


def test_a_rating_that_opens_three_misses_judges_its_product_once_with_them_all(app, monkeypatch):
    """The rating and each miss it opens ask for the product's stage (maturity/subscribers.py); inside save_rating
    they are collected and the product is judged once, at the end, with the three misses in its stored figures
    (services.judged_once). Judging is most of a rating's cost: four judgements made a rating 36 ms on the bench."""
    from cocreate.maturity import services

    product = factories.rated_product(versions=1, name="Missed Bike")
    judged: list[list[int]] = []
    judge = services.judge

    def counting(products, **kwargs):
        judged.append([p.id for p in products])
        return judge(products, **kwargs)

    monkeypatch.setattr(services, "judge", counting)
    rater = factories.UserFactory()
    active = [t for t in product.touchpoints if t.active]
    services.save_rating(rater, product, product.current_version, {t.id: 1 if i < 3 else 5 for i, t in
                                                                   enumerate(active)},
                         expected=4, returning=False)
    db.session.commit()
    assert judged == [[product.id]]
    figures = services.current_maturities([product])[product.id].figures
    assert figures.misses.opened == 3 and figures.misses.open == 3
