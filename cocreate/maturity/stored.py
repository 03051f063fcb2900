"""Stored figures: running sums kept in step with each rating, and every product's judged figures in a row.

- ``VersionTally`` / ``TouchpointTally`` hold the sums of ``figures.Sums``. Saving a rating moves them by the
  difference between the rating before and after (``move``): O(1) in the number of ratings, never a scan.
  Retiring or restoring a touchpoint changes every rater's grade, so it rebuilds the product's sums (``rebuild``).
- ``ProductFigures`` holds what the board and the maturity page show. ``judge`` recomputes it from the sums and
  the product's idea facts (promises, response times, top ideas); the facts are queried again only when they
  can have changed (``ideas=True``: an idea event, the thresholds, the schedule), otherwise taken from the row.
- ``verify`` recomputes everything from the raw facts (``services.maturities``) and lists the differences;
  ``flask maturity verify`` prints them, and the tests run it after their scenarios.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from cocreate.database import add_to, insert
from cocreate.extensions import db, utcnow
from cocreate.maturity import figures, journey
from cocreate.maturity.models import (
    EmotionTally,
    ProductFigures,
    Rating,
    RatingScore,
    TouchpointTally,
    VersionTally,
)
from cocreate.products.models import Product, Touchpoint, Version


@dataclass(frozen=True)
class Contribution:
    """What one rating adds to its version's sums."""

    grade: Fraction | None
    expected: int | None  # 2 x expected (the 10 scale), or None
    returning: bool
    scores: Mapping[int, int]  # every touchpoint scored, active or not
    emotions: Mapping[int, str] = dataclasses.field(default_factory=dict)  # touchpoint (0: whole version) -> emotion


def contribution(scores: Mapping[int, int], active: set[int], expected: int | None,
                 returning: bool, emotions: Mapping[int, str] | None = None) -> Contribution:
    grade = figures.exact_grade(s for tp, s in scores.items() if tp in active)
    return Contribution(grade, None if expected is None else 2 * expected, returning, dict(scores),
                        dict(emotions or {}))


def counted_ratings():
    """The ratings that count: those of verified accounts (docs/accounts.md). A rating of an unverified account is
    stored and held; its account's ``email-verified`` event moves it into the sums (``move_user``)."""
    from cocreate.auth.models import User

    return sa.and_(Rating.held.is_(False),  # and none held back by the hold rules (holds.py)
                   Rating.user_id.in_(sa.select(User.id).where(User.email_verified_at.is_not(None))))


def move_user(user_id: int, counted: bool) -> list[Product]:
    """Every rating of the user into the sums (``counted``) or out of them; the products whose sums moved."""
    ratings = db.session.scalars(sa.select(Rating).where(Rating.user_id == user_id).order_by(Rating.id)).all()
    if not ratings:
        return []
    versions = dict(db.session.execute(sa.select(Version.id, Version.product_id)
                                       .where(Version.id.in_({r.version_id for r in ratings}))).all())
    active = {product_id: active_ids(product_id) for product_id in set(versions.values())}
    for rating in ratings:
        part = None if rating.held else of_rating(rating, active[versions[rating.version_id]])  # held: never in
        move(rating.version_id, None if counted else part, part if counted else None)
    return list(db.session.scalars(sa.select(Product).where(Product.id.in_(set(versions.values())))
                                   .order_by(Product.id)))


def active_ids(product_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(Touchpoint.id).where(Touchpoint.product_id == product_id,
                                                                 Touchpoint.retired_at.is_(None))))


def of_rating(rating: Rating, active: set[int]) -> Contribution:
    return contribution(rating.score_map, active, rating.expected, rating.returning, rating.emotion_map)


def counted(rating: Rating, active: set[int]) -> Contribution | None:
    """What the rating adds to the sums: nothing while it is held (holds.py) or its rater's address unconfirmed."""
    return None if rating.held or not rating.user.is_verified else of_rating(rating, active)


def lock(version_id: int) -> VersionTally:
    """Take the version's sums for this transaction (a second rating at the same moment waits for it); give them
    to ``move`` in the same transaction (it need not read them again)."""
    return _tally(version_id)


def _tally(version_id: int) -> VersionTally:
    """The version's sums, locked for this transaction (a second rating at the same moment waits)."""
    dialect = db.session.get_bind().dialect.name
    if dialect not in _NEW_TALLY:  # built once per database
        _NEW_TALLY[dialect] = insert(VersionTally.__table__).values(
            version_id=sa.bindparam("version"), raters=0, grade_sum="0", grade_squares="0", first_n=0,
            first_grade_sum="0", first_expected_sum=0, returning_n=0, returning_grade_sum="0",
            returning_expected_sum=0).on_conflict_do_nothing()
    db.session.execute(_NEW_TALLY[dialect], {"version": version_id})
    tally = db.session.get(VersionTally, version_id, with_for_update=True, populate_existing=True)
    assert tally is not None  # nosec B101 - inserted above
    return tally


_NEW_TALLY: dict[str, sa.Insert] = {}


def move(version_id: int, before: Contribution | None, after: Contribution | None,
         tally: VersionTally | None = None) -> None:
    """Take ``before`` out of the version's sums and put ``after`` in (either may be None); ``tally``: the sums
    ``lock`` took in this transaction, else they are taken here."""
    if before == after:
        return
    if tally is None or tally.version_id != version_id:
        tally = _tally(version_id)
    for part, sign in ((before, -1), (after, 1)):
        if part is None:
            continue
        if part.grade is not None:
            tally.raters += sign
            tally.grade_sum += sign * part.grade
            tally.grade_squares += sign * part.grade * part.grade
            if part.expected is not None:
                if part.returning:
                    tally.returning_n += sign
                    tally.returning_grade_sum += sign * part.grade
                    tally.returning_expected_sum += sign * part.expected
                else:
                    tally.first_n += sign
                    tally.first_grade_sum += sign * part.grade
                    tally.first_expected_sum += sign * part.expected
    old = before.scores if before else {}
    new = after.scores if after else {}
    add_to(TouchpointTally.__table__, [
        {"version_id": version_id, "touchpoint_id": tp_id, "n": int(tp_id in new) - int(tp_id in old),
         "total": new.get(tp_id, 0) - old.get(tp_id, 0)}
        for tp_id in sorted(set(old) | set(new)) if old.get(tp_id) != new.get(tp_id)])
    _move_emotions(version_id, before.emotions if before else {}, after.emotions if after else {})
    journey.move_cells(version_id, before, after)  # the heat map's cells (journey.py)
    db.session.flush()


def _move_emotions(version_id: int, old: Mapping[int, str], new: Mapping[int, str]) -> None:
    """One rater less for each emotion taken back, one more for each named (per touchpoint, 0 the whole version)."""
    steps: dict[tuple[int, str], int] = defaultdict(int)
    for tp_id in set(old) | set(new):
        if old.get(tp_id) == new.get(tp_id):
            continue
        for emotion, step in ((old.get(tp_id), -1), (new.get(tp_id), 1)):
            if emotion is not None:
                steps[tp_id, emotion] += step
    add_to(EmotionTally.__table__, [{"version_id": version_id, "touchpoint_id": tp_id, "emotion": emotion, "n": n}
                                    for (tp_id, emotion), n in sorted(steps.items())])


def rebuild(version_ids: Sequence[int]) -> None:
    """Sums of these versions from their ratings (a touchpoint retired or restored, data loaded in bulk), and their
    rater credibility counts (holds.py)."""
    from cocreate.maturity.holds import rebuild_credibility

    if not version_ids:
        return
    rebuild_credibility(version_ids)
    db.session.execute(sa.delete(VersionTally).where(VersionTally.version_id.in_(version_ids)))
    db.session.execute(sa.delete(TouchpointTally).where(TouchpointTally.version_id.in_(version_ids)))
    db.session.execute(sa.delete(EmotionTally).where(EmotionTally.version_id.in_(version_ids)))
    found = raw_sums(version_ids)
    for version_id in version_ids:
        sums = found.get(version_id, figures.Sums())
        db.session.add(VersionTally(
            version_id=version_id, raters=sums.raters, grade_sum=sums.grade_sum, grade_squares=sums.grade_squares,
            first_n=sums.first[0], first_grade_sum=sums.first[1], first_expected_sum=sums.first[2],
            returning_n=sums.returning[0], returning_grade_sum=sums.returning[1],
            returning_expected_sum=sums.returning[2]))
        db.session.add_all(TouchpointTally(version_id=version_id, touchpoint_id=tp_id, n=n, total=total)
                           for tp_id, (n, total) in sums.touchpoints.items())
        db.session.add_all(EmotionTally(version_id=version_id, touchpoint_id=tp_id, emotion=emotion, n=n)
                           for tp_id, counts in sums.emotions.items() for emotion, n in counts.items())
    journey.rebuild_cells(version_ids)
    db.session.flush()


def raw_sums(version_ids: Sequence[int]) -> dict[int, figures.Sums]:
    """The sums computed from the ratings themselves (for ``rebuild`` and ``verify``); held ratings count in none."""
    products = dict(db.session.execute(sa.select(Version.id, Version.product_id)
                                       .where(Version.id.in_(version_ids))).all())
    active: dict[int, set[int]] = {}
    for product_id in set(products.values()):
        active[product_id] = active_ids(product_id)
    scores: dict[int, dict[int, int]] = {}
    felt: dict[int, dict[int, str]] = {}
    for rating_id, tp_id, score, emotion in db.session.execute(
        sa.select(RatingScore.rating_id, RatingScore.touchpoint_id, RatingScore.score, RatingScore.emotion)
        .join(Rating, Rating.id == RatingScore.rating_id).where(Rating.version_id.in_(version_ids), counted_ratings())
    ):
        scores.setdefault(rating_id, {})[tp_id] = score
        if emotion:
            felt.setdefault(rating_id, {})[tp_id] = emotion
    parts: dict[int, list[Contribution]] = {}
    for rating_id, version_id, expected, returning, emotion in db.session.execute(
        sa.select(Rating.id, Rating.version_id, Rating.expected, Rating.returning, Rating.emotion)
        .where(Rating.version_id.in_(version_ids), counted_ratings())
    ):
        emotions = felt.get(rating_id, {})
        if emotion:
            emotions[0] = emotion
        parts.setdefault(version_id, []).append(
            contribution(scores.get(rating_id, {}), active[products[version_id]], expected, returning, emotions))
    return {version_id: _sum(found) for version_id, found in parts.items()}


def _sum(parts: Iterable[Contribution]) -> figures.Sums:
    raters, grades, squares = 0, Fraction(0), Fraction(0)
    counts = {False: 0, True: 0}
    group_grades = {False: Fraction(0), True: Fraction(0)}
    group_expected = {False: 0, True: 0}
    tps: dict[int, tuple[int, int]] = {}
    felt: dict[int, dict[str, int]] = {}
    for part in parts:
        for tp_id, emotion in part.emotions.items():
            felt.setdefault(tp_id, {})[emotion] = felt.get(tp_id, {}).get(emotion, 0) + 1
        if part.grade is not None:
            raters, grades, squares = raters + 1, grades + part.grade, squares + part.grade * part.grade
            if part.expected is not None:
                counts[part.returning] += 1
                group_grades[part.returning] += part.grade
                group_expected[part.returning] += part.expected
        for tp_id, score in part.scores.items():
            n, total = tps.get(tp_id, (0, 0))
            tps[tp_id] = (n + 1, total + score)
    return figures.Sums(raters, grades, squares, (counts[False], group_grades[False], group_expected[False]),
                        (counts[True], group_grades[True], group_expected[True]), tps, felt)


# Built once (building a statement cost as much as running it): every judgement reads the sums.
_IDS: sa.BindParameter[int] = sa.bindparam("ids", expanding=True)
# The touchpoints' tallies and the emotions' in one query (emotion NULL: a touchpoint's number and sum).
_TALLIES: sa.CompoundSelect = sa.union_all(
    sa.select(TouchpointTally.version_id, TouchpointTally.touchpoint_id, sa.null().label("emotion"),
              TouchpointTally.n, TouchpointTally.total).where(TouchpointTally.version_id.in_(_IDS)),
    sa.select(EmotionTally.version_id, EmotionTally.touchpoint_id, EmotionTally.emotion, EmotionTally.n,
              sa.literal(0).label("total")).where(EmotionTally.version_id.in_(_IDS)))
_VERSION_TALLIES = sa.select(VersionTally).where(VersionTally.version_id.in_(_IDS))


def sums_of(version_ids: Sequence[int]) -> dict[int, figures.Sums]:
    """The stored sums of these versions, in two queries."""
    if not version_ids:
        return {}
    tps: dict[int, dict[int, tuple[int, int]]] = {}
    felt: dict[int, dict[int, dict[str, int]]] = {}
    found: list[Any] = list(db.session.execute(_TALLIES, {"ids": list(version_ids)}))
    for version_id, tp_id, emotion, n, total in found:
        if not n:
            continue
        if emotion is None:
            tps.setdefault(version_id, {})[tp_id] = (n, total)
        else:
            felt.setdefault(version_id, {}).setdefault(tp_id, {})[emotion] = n
    result = {}
    for t in db.session.scalars(_VERSION_TALLIES, {"ids": list(version_ids)}):
        result[t.version_id] = figures.Sums(
            t.raters, t.grade_sum, t.grade_squares, (t.first_n, t.first_grade_sum, t.first_expected_sum),
            (t.returning_n, t.returning_grade_sum, t.returning_expected_sum), tps.get(t.version_id, {}),
            felt.get(t.version_id, {}))
    for version_id in version_ids:
        result.setdefault(version_id, figures.Sums(touchpoints=tps.get(version_id, {}),
                                                   emotions=felt.get(version_id, {})))
    return result


# --------------------------------------------------------------------------- the stored row

def to_row(product_id: int, m) -> dict:
    verdict = {"stage": m.verdict.stage, "blockers": list(m.verdict.blockers),
               "reasons": [{"kind": b.kind, "values": b.values} for b in m.verdict.reasons]}
    return {"product_id": product_id, "version_id": m.version.id if m.version else None,
            "previous_version_id": m.previous.id if m.previous else None, "stage": m.verdict.stage,
            "figures": _as_json(m.figures), "verdict": verdict,
            "thresholds": _as_json(m.thresholds), "previous_grade": m.previous_grade, "trend": m.trend,
            "computed_at": utcnow()}


def _as_json(value: Any) -> Any:
    """A dataclass as dicts and lists for the JSON column: ``dataclasses.asdict`` without its deep copy of every
    value (a third of writing a product's figures; the figures hold numbers, strings, lists and dataclasses)."""
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return {name: _as_json(getattr(value, name)) for name in fields}
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    return value


def figures_from(data: Mapping) -> figures.Figures:
    tps = [figures.TouchpointGrade(**t) for t in data["touchpoints"]]
    weakest = figures.TouchpointGrade(**data["weakest"]) if data["weakest"] else None
    misses = figures.MissFigures(**data["misses"]) if data.get("misses") else figures.NO_MISSES
    return figures.Figures(**{**data, "touchpoints": tps, "weakest": weakest,
                              "top_ideas": [figures.TopIdea(**i) for i in data["top_ideas"]], "misses": misses,
                              "miss_touchpoints": [figures.MissFigures(**m) for m in data.get("miss_touchpoints", [])]})


def verdict_from(data: Mapping) -> figures.Verdict:
    return figures.Verdict(data["stage"], list(data["blockers"]),
                           [figures.Blocker(r["kind"], r["values"]) for r in data["reasons"]])


def store(found: Mapping[int, object]) -> None:
    """Write the judged figures of these products (one upsert each)."""
    if not found:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect not in _STORE:  # built once per database: the row's values are its parameters
        table = ProductFigures.__table__
        statement = insert(table)
        _STORE[dialect] = statement.on_conflict_do_update(
            index_elements=["product_id"],
            set_={column.name: statement.excluded[column.name] for column in table.columns
                  if column.name != "product_id"})
    db.session.execute(_STORE[dialect], [to_row(product_id, m) for product_id, m in found.items()])
    db.session.flush()


_STORE: dict[str, sa.Insert] = {}


def rows_of(product_ids: Sequence[int]) -> dict[int, ProductFigures]:
    return {row.product_id: row for row in db.session.scalars(_ROWS, {"ids": list(product_ids)})}


_ROWS = sa.select(ProductFigures).where(ProductFigures.product_id.in_(_IDS))


def idea_facts(row: ProductFigures) -> tuple[tuple[float | None, int], float | None, list[figures.TopIdea]]:
    data = row.figures
    return ((data["promises_kept"], data["promises_due"]), data["median_response_hours"],
            [figures.TopIdea(**i) for i in data["top_ideas"]])


def differences(products: Sequence[Product], today: date | None = None) -> list[str]:
    """Where the stored sums and figures disagree with the raw facts (empty: in step).

    1. every version's sums against the sums of its counted (not held) ratings, and its credibility counts against
       a recount of all its ratings;
    2. figures judged from the sums against ``services.maturities`` (the raw facts), at the same moment;
    3. each stored row against a judgement of the sums now, with its own idea facts (a row the events missed);
    4. the stored idea facts against fresh ones; a median that counts ideas still waiting grows with the clock,
       so it may differ by the time since the row was written.
    """
    from cocreate.maturity.holds import credibility_of, raw_credibility
    from cocreate.maturity.services import judge, maturities

    problems = []
    ids = [p.id for p in products]
    version_ids = list(db.session.scalars(sa.select(Version.id).where(Version.product_id.in_(ids))))
    stored_sums, fresh_sums = sums_of(version_ids), raw_sums(version_ids)
    for version_id in version_ids:
        if stored_sums[version_id] != fresh_sums.get(version_id, figures.Sums()):
            problems.append(f"version {version_id}: stored sums {stored_sums[version_id]} differ from its ratings' "
                            f"{fresh_sums.get(version_id, figures.Sums())}")
    problems += journey.differences(version_ids, {})
    stored_credibility, fresh_credibility = credibility_of(version_ids), raw_credibility(version_ids)
    for version_id in version_ids:
        if stored_credibility[version_id] != fresh_credibility[version_id]:
            problems.append(f"version {version_id}: stored credibility {stored_credibility[version_id]} differs from "
                            f"its ratings' {fresh_credibility[version_id]}")
    now = utcnow()  # the same moment for both: a median that counts waiting ideas moves with the clock
    raw, from_sums = maturities(products, today, now), judge(products, ideas=True, today=today, now=now)
    rows = rows_of(ids)
    now_from_rows = judge([p for p in products if p.id in rows], ideas=False, today=today)
    for product in products:
        for key, value in _compared(to_row(product.id, from_sums[product.id]), to_row(product.id, raw[product.id])):
            problems.append(f"{product.slug}: {key} from the sums {value[0]!r}, from the facts {value[1]!r}")
        row = rows.get(product.id)
        if row is None:
            continue  # not judged yet: the schedule stores it
        stored_row = {key: getattr(row, key) for key in _KEYS}
        for key, value in _compared(stored_row, to_row(product.id, now_from_rows[product.id])):
            problems.append(f"{product.slug}: stored {key} {value[0]!r}, judged now {value[1]!r}")
        fresh = from_sums[product.id].figures
        slack = (utcnow() - row.computed_at).total_seconds() / 3600 + 1e-6
        if (row.figures["promises_kept"], row.figures["promises_due"]) != (fresh.promises_kept, fresh.promises_due):
            problems.append(f"{product.slug}: stored promises {row.figures['promises_kept']!r} of "
                            f"{row.figures['promises_due']!r}, now {fresh.promises_kept!r} of {fresh.promises_due!r}")
        if _plain(row.figures["top_ideas"]) != _plain([dataclasses.asdict(i) for i in fresh.top_ideas]):
            problems.append(f"{product.slug}: stored top ideas differ from the ideas'")
        then, later = row.figures["median_response_hours"], fresh.median_response_hours
        if (then is None) != (later is None) or (then is not None and later is not None
                                                 and abs(then - later) > slack):
            problems.append(f"{product.slug}: stored median response {then!r} h, now {later!r} h")
    return problems


_KEYS = ("version_id", "previous_version_id", "stage", "figures", "verdict", "thresholds", "previous_grade", "trend")


def _compared(left: Mapping, right: Mapping) -> list[tuple[str, tuple]]:
    return [(key, (left[key], right[key])) for key in _KEYS if _plain(left[key]) != _plain(right[key])]


def _plain(value):
    """JSON round trip, so a stored row and a fresh dict compare alike (tuples become lists, dates strings)."""
    import json

    return json.loads(json.dumps(value, default=str))
