"""Maturity: touchpoints, ratings, self-assessments, thresholds, and the figures of every product.

This module loads the stored facts and hands them to the pure rules in ``figures``. Every loader
works on a list of products in a fixed number of queries, so the board costs the same for 5
products as for 500. Services flush; the caller commits.

Decisions beyond MATURITY.md:
- Figures of every version count only the touchpoints that are active now; scores given to a
  since-retired touchpoint stay stored (history) but no longer count, so versions compare like
  with like.
- Responsiveness: an idea's response time is ``first_response_at - created_at``. An idea still
  waiting counts with the time it has waited so far once that exceeds the company's response
  target (it is late whatever happens next); a younger unanswered idea is not counted yet (its
  outcome is unknown). Silence therefore cannot improve the median.
- Promises: every idea of the product with a promised date, whatever its status.
- Stage history: a product without recorded changes is taken to be a Prototype, so the first row
  is written when it first leaves that stage.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from cocreate import events
from cocreate.auth.models import User
from cocreate.companies.access import roles_of
from cocreate.companies.models import Company
from cocreate.extensions import db, utcnow
from cocreate.ideas.models import CLOSED, Idea
from cocreate.maturity import figures, holds, stored
from cocreate.maturity.figures import Thresholds, TouchpointGrade, Verdict  # the field `figures` hides the module
from cocreate.maturity.models import Rating, RatingScore, SelfScore, StageChange, StageThresholds
from cocreate.maturity.promises import promises_of
from cocreate.products.models import TOUCHPOINT_LANGUAGES, Product, Touchpoint, Version
from cocreate.refusal import N_, Refused


class MaturityError(Refused):
    """A change that cannot be made; the message says why, in the language of the request (it is shown)."""


# --------------------------------------------------------------------------- thresholds

def thresholds_of(company_ids: Iterable[int]) -> dict[int, figures.Thresholds]:
    """Each company's thresholds (defaults for companies that kept them), in one query."""
    ids = set(company_ids)
    result = dict.fromkeys(ids, figures.DEFAULT_THRESHOLDS)
    if ids:
        for row in db.session.scalars(_THRESHOLDS, {"ids": list(ids)}):
            result[row.company_id] = row.to_thresholds()
    return result


# Built once (building a statement cost as much as running it): every judgement reads these.
_IDS: sa.BindParameter[int] = sa.bindparam("ids", expanding=True)
_THRESHOLDS = sa.select(StageThresholds).where(StageThresholds.company_id.in_(_IDS))


def set_thresholds(company: Company, thresholds: figures.Thresholds) -> StageThresholds:
    if not (thresholds.good_enough <= thresholds.good <= thresholds.excellent):
        raise MaturityError(N_("The lower bounds must rise with the stage: good enough ≤ good ≤ excellent."))
    row = db.session.get(StageThresholds, company.id)
    if row is None:
        row = StageThresholds(company_id=company.id)
        db.session.add(row)
    for name in StageThresholds.FIELDS:
        setattr(row, name, getattr(thresholds, name))
    db.session.flush()
    return row


def reset_thresholds(company: Company) -> None:
    db.session.execute(sa.delete(StageThresholds).where(StageThresholds.company_id == company.id))


# --------------------------------------------------------------------------- touchpoints

def active_touchpoints(product: Product) -> list[Touchpoint]:
    return [t for t in product.touchpoints if t.active]


def _renumber(product: Product, ordered: Sequence[Touchpoint]) -> None:
    retired = [t for t in product.touchpoints if not t.active and t not in ordered]
    for position, tp in enumerate([*ordered, *retired]):
        tp.position = position


def add_touchpoint(product: Product, name: str, description: str = "",
                   names: dict[str, str] | None = None) -> Touchpoint:
    name = name.strip()
    if any(t.name.casefold() == name.casefold() for t in active_touchpoints(product)):
        raise MaturityError(N_("%(product)s has a touchpoint “%(name)s” already."), product=product.name, name=name)
    tp = Touchpoint(name=name, description=description.strip(), names=_names(names))
    active = active_touchpoints(product)
    product.touchpoints.append(tp)
    _renumber(product, [*active, tp])
    db.session.flush()
    refresh_stage(product)  # the stored figures list every active touchpoint
    return tp


def _names(names: dict[str, str] | None) -> dict[str, str]:
    """The names per language worth keeping: known languages, not empty."""
    return {lang: text.strip() for lang, text in (names or {}).items()
            if lang in TOUCHPOINT_LANGUAGES and text and text.strip()}


def rename_touchpoint(tp: Touchpoint, name: str, description: str, names: dict[str, str] | None = None) -> None:
    """A new name, description and names per language (`names`: language -> name; an empty name falls back to
    `name`). The stored figures carry the names, so the product is judged again."""
    name = name.strip()
    if any(t.id != tp.id and t.name.casefold() == name.casefold() for t in active_touchpoints(tp.product)):
        raise MaturityError(N_("%(product)s has a touchpoint “%(name)s” already."), product=tp.product.name, name=name)
    tp.name = name
    tp.description = description.strip()
    if names is not None:
        tp.names = _names(names)
    db.session.flush()
    if tp.active:
        refresh_stage(tp.product)


def move_touchpoint(tp: Touchpoint, step: int) -> None:
    """Move an active touchpoint one place up (-1) or down (+1) among the active ones."""
    active = active_touchpoints(tp.product)
    if tp not in active:
        raise MaturityError(N_("A retired touchpoint has no place in the order; restore it first."))
    i = active.index(tp)
    j = min(max(i + step, 0), len(active) - 1)
    active[i], active[j] = active[j], active[i]
    _renumber(tp.product, active)


def retire_touchpoint(tp: Touchpoint) -> None:
    """Not offered for new ratings; its scores stay stored."""
    if len(active_touchpoints(tp.product)) <= 1:
        raise MaturityError(N_("Keep at least one touchpoint: customers need something to rate."))
    tp.retired_at = utcnow()
    _renumber(tp.product, [t for t in active_touchpoints(tp.product) if t.id != tp.id])
    _rebuild_sums(tp.product)


def _rebuild_sums(product: Product) -> None:
    """Every rater's grade counts the active touchpoints only: a retired or restored one changes them all."""
    db.session.flush()
    stored.rebuild([v.id for v in product.versions])


def restore_touchpoint(tp: Touchpoint) -> None:
    if any(t.name.casefold() == tp.name.casefold() for t in active_touchpoints(tp.product)):
        raise MaturityError(N_("An active touchpoint is called “%(name)s”; rename one of them first."), name=tp.name)
    active = active_touchpoints(tp.product)
    tp.retired_at = None
    _renumber(tp.product, [*active, tp])
    _rebuild_sums(tp.product)


# --------------------------------------------------------------------------- ratings

def is_team_member(user: User, company_id: int) -> bool:
    """Whether the user has any role in the company: read with the signed-in user's roles (no query of its own),
    or once per request for another user (companies.access.roles_of)."""
    return roles_of(user, company_id) is not None


def rating_of(user: User, version: Version) -> Rating | None:
    return db.session.scalar(_RATING_OF, {"user": user.id, "version": version.id})


_RATING_OF = sa.select(Rating).where(Rating.user_id == sa.bindparam("user"),  # built once
                                     Rating.version_id == sa.bindparam("version"))


def ratings_of(user: User, product: Product) -> list[Rating]:
    """The user's ratings of every version of the product, newest version first."""
    return list(db.session.scalars(
        sa.select(Rating).join(Version).where(Rating.user_id == user.id, Version.product_id == product.id)
        .options(selectinload(Rating.scores), contains_eager(Rating.version))
        .order_by(Version.released_on.desc(), Version.id.desc())
    ))


def _checked_scores(product: Product, scores: Mapping[int, int | None]) -> dict[int, int]:
    active = {t.id for t in active_touchpoints(product)}
    unknown = set(scores) - active
    if unknown:
        raise MaturityError(N_("Some of those touchpoints are not part of this product (any more). "
                              "Reload the page and score the ones shown."))
    bad = [s for s in scores.values() if s is not None and not (isinstance(s, int) and 1 <= s <= 5)]
    if bad:
        raise MaturityError(N_("Scores go from 1 to 5."))
    return {tp_id: s for tp_id, s in scores.items() if s is not None}


def _checked_emotions(product: Product, kept: Mapping[int, int],
                      emotions: Mapping[int, str | None]) -> dict[int, str]:
    """What the rater felt (emotions.py): known emotions only, per scored touchpoint or 0 for the whole version."""
    from cocreate.maturity.emotions import BY_KEY, WHOLE

    felt = {tp_id: key for tp_id, key in emotions.items() if key}
    if any(key not in BY_KEY for key in felt.values()):
        raise MaturityError(N_("Choose one of the emotions shown, or none."))
    unscored = [tp_id for tp_id in felt if tp_id != WHOLE and tp_id not in kept]
    if unscored:
        names = {t.id: t.name for t in product.touchpoints}
        raise MaturityError(N_("Give %(touchpoint)s a score to say what you felt about it, or take the feeling "
                              "away."), touchpoint=names.get(unscored[0], "?"))
    return felt


def save_rating(user: User, product: Product, version: Version, scores: Mapping[int, int | None], *,
                expected: int | None, returning: bool, comment: str = "", address: str | None = None,
                emotions: Mapping[int, str | None] | None = None) -> Rating:
    """Create or change the user's rating of the product's current version.

    A first rating records who rates (``holds.record_rater``: account age, SSO or invitation, a keyed hash of the
    ``address``'s network) and is held when the hold rules fire (``holds.apply_rules``); a held rating is stored and
    counts in no figure until the team releases it. Only counted ratings move the sums.

    Refused for the product's own team, for a version that is not (or no longer) current,
    for scores outside 1-5 or touchpoints that are not active, and when every touchpoint is skipped (a rating
    that scores nothing says nothing). Skipped touchpoints: None.
    """
    if is_team_member(user, product.company_id):
        raise MaturityError(N_("You are on the team of this product: record your view as a self-assessment."))
    current = product.current_version
    if version.product_id != product.id or current is None or version.id != current.id:
        raise MaturityError(N_("%(version)s is not the current version of %(product)s; "
                              "ratings of earlier versions are read-only."),
                            version=version.label, product=product.name)
    kept = _checked_scores(product, scores)
    if not kept:
        raise MaturityError(N_("Score at least one touchpoint: with every touchpoint skipped there is nothing to "
                              "save, and nothing was saved."))
    if expected is not None and not 1 <= expected <= 5:
        raise MaturityError(N_("The expected score goes from 1 to 5."))
    felt = _checked_emotions(product, kept, emotions or {})
    tally = stored.lock(version.id)  # ratings of one version move its sums one at a time
    active = {t.id for t in active_touchpoints(product)}
    rating = rating_of(user, version)
    before = stored.counted(rating, active) if rating is not None else None
    credibility_before = holds.part(rating) if rating is not None else None
    rules = holds.rules_of([product.company_id])[product.company_id]
    created = rating is None
    if rating is None:
        rating = Rating(version_id=version.id, user_id=user.id, created_at=utcnow())
        holds.record_rater(rating, user, product, address, rules)
        try:
            with db.session.begin_nested():
                db.session.add(rating)
        except IntegrityError:  # a simultaneous first submission won: change that one
            rating = rating_of(user, version)
            assert rating is not None  # narrows the type: the winning row exists  # nosec B101
            before, credibility_before, created = stored.counted(rating, active), holds.part(rating), False
    rating.expected = expected
    rating.returning = returning
    rating.comment = comment.strip()
    rating.updated_at = utcnow()
    existing = {s.touchpoint_id: s for s in rating.scores}
    for tp_id, score in existing.items():
        if tp_id not in kept:
            rating.scores.remove(score)
        else:
            score.score = kept[tp_id]
    for tp_id, value in kept.items():
        if tp_id not in existing:
            rating.scores.append(RatingScore(touchpoint_id=tp_id, score=value))
    rating.emotion = felt.get(0)  # what they felt (emotions.py): the whole version, and per touchpoint
    for score in rating.scores:
        score.emotion = felt.get(score.touchpoint_id)
    db.session.flush()
    if created:
        holds.apply_rules(rating, rules, active)  # may hold it, and the earlier ratings of its burst
    # An unverified account's rating, or a held one, is stored and not counted (stored.counted).
    stored.move(version.id, before, stored.counted(rating, active), tally)
    holds.move_credibility(version.id, credibility_before, holds.part(rating))
    with judged_once():  # the stage, and the misses the rating opens (each asks for the stage too): judged once
        events.rating_saved.send(rating, product=product)
    return rating


def self_scores_of(version: Version) -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(SelfScore.touchpoint_id, SelfScore.score).where(SelfScore.version_id == version.id)
    ).all())


def save_self_assessment(user: User, product: Product, version: Version,
                         scores: Mapping[int, int | None]) -> None:
    """Replace the team's scores of the version; skipped touchpoints (None) lose their score."""
    if version.product_id != product.id:
        raise MaturityError(N_("That version belongs to another product."))
    kept = _checked_scores(product, scores)
    rows = {s.touchpoint_id: s
            for s in db.session.scalars(sa.select(SelfScore).where(SelfScore.version_id == version.id))}
    for tp_id, row in rows.items():
        if tp_id in scores and tp_id not in kept:
            db.session.delete(row)
    for tp_id, value in kept.items():
        stored = rows.get(tp_id)
        if stored is None:
            db.session.add(SelfScore(version_id=version.id, touchpoint_id=tp_id, score=value, scored_by_id=user.id))
        elif stored.score != value:
            stored.score, stored.scored_by_id = value, user.id
    db.session.flush()
    events.self_assessment_saved.send(version, product=product)


# --------------------------------------------------------------------------- figures

@dataclass(frozen=True)
class Maturity:
    """A product's figures on its current version, its stage and what blocks the next one."""

    product: Product
    version: Version | None
    previous: Version | None
    figures: figures.Figures
    verdict: Verdict
    thresholds: Thresholds
    previous_grade: float | None
    trend: str

    @property
    def stage(self) -> str:
        return self.verdict.stage

    @property
    def is_prototype(self) -> bool:
        """Not judged yet (too few raters): its card says what it needs to be judged, not how to reach Below par."""
        return self.verdict.stage == figures.PROTOTYPE

    @property
    def next_stage(self) -> str | None:
        i = figures.STAGES.index(self.verdict.stage)
        return figures.STAGES[i + 1] if i + 1 < len(figures.STAGES) else None

    @property
    def blind_spots(self) -> list[TouchpointGrade]:
        return [t for t in self.figures.touchpoints if t.blind_spot]

    def snapshot(self) -> dict:
        """Everything that decided the stage, as JSON-able data."""
        return {
            "version": self.version.label if self.version else None,
            "stage": self.verdict.stage,
            "blockers": list(self.verdict.blockers),
            "figures": dataclasses.asdict(self.figures),
            "thresholds": dataclasses.asdict(self.thresholds),
        }


def _released_versions(product_ids: Sequence[int], today: date) -> dict[int, list[Version]]:
    """Released versions per product, newest first (the order of Product.versions)."""
    result: dict[int, list[Version]] = defaultdict(list)
    for version in db.session.scalars(_RELEASED, {"ids": list(product_ids), "today": today}):
        result[version.product_id].append(version)
    return result


_RELEASED = (sa.select(Version).where(Version.product_id.in_(_IDS), Version.released_on <= sa.bindparam("today"))
             .order_by(Version.product_id, Version.released_on.desc(), Version.id.desc()))


def _active_touchpoints(product_ids: Sequence[int]) -> dict[int, list[tuple[int, str, dict[str, str]]]]:
    """(id, name, names per language) of each product's active touchpoints, in their order."""
    result: dict[int, list[tuple[int, str, dict[str, str]]]] = defaultdict(list)
    for tp_id, product_id, name, names in db.session.execute(_ACTIVE, {"ids": list(product_ids)}):
        result[product_id].append((tp_id, name, dict(names or {})))
    return result


_ACTIVE = (sa.select(Touchpoint.id, Touchpoint.product_id, Touchpoint.name, Touchpoint.names)
           .where(Touchpoint.product_id.in_(_IDS), Touchpoint.retired_at.is_(None))
           .order_by(Touchpoint.product_id, Touchpoint.position, Touchpoint.id))


def _ratings(version_filter, active: Mapping[int, set[int]]) -> dict[int, list[figures.Rating]]:
    """figures.Rating per version, only scores of touchpoints active now (``active`` per version)."""
    rows = db.session.execute(
        sa.select(Rating.id, Rating.version_id, Rating.user_id, Rating.expected, Rating.returning, Rating.emotion,
                  RatingScore.touchpoint_id, RatingScore.score, RatingScore.emotion)
        .join(RatingScore, RatingScore.rating_id == Rating.id, isouter=True)
        .where(version_filter)
        .order_by(Rating.id)
    )
    by_rating: dict[int, tuple[int, int, int | None, bool, dict[int, int], dict[int, str]]] = {}
    for rating_id, version_id, user_id, expected, returning, whole, tp_id, score, felt in rows:
        entry = by_rating.setdefault(rating_id, (version_id, user_id, expected, returning, {},
                                                 {0: whole} if whole else {}))
        if tp_id is not None and tp_id in active.get(version_id, ()):
            entry[4][tp_id] = score
            if felt:
                entry[5][tp_id] = felt
    result: dict[int, list[figures.Rating]] = defaultdict(list)
    for version_id, user_id, expected, returning, scores, emotions in by_rating.values():
        result[version_id].append(figures.Rating(user_id, scores, expected, returning, emotions))
    return result


def _misses(products: Sequence[Product], touchpoints: Mapping[int, Sequence[tuple]],
            limits: Mapping[int, Thresholds], now: datetime) -> dict[int, tuple]:
    """The miss figures of every product and of its active touchpoints (cocreate/misses), in one query. Always read
    fresh: they depend on the clock (a miss left unanswered), and misses are few."""
    from cocreate.misses.services import facts_of

    facts = facts_of([p.id for p in products])
    return {p.id: figures.misses_by_touchpoint(facts[p.id], now, [tp[0] for tp in touchpoints.get(p.id, [])],
                                                limits[p.company_id]) for p in products}


def _self_scores(version_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    result: dict[int, dict[int, int]] = defaultdict(dict)
    for version_id, tp_id, score in db.session.execute(_SELF, {"ids": list(version_ids)}):
        result[version_id][tp_id] = score
    return result


_SELF = sa.select(SelfScore.version_id, SelfScore.touchpoint_id, SelfScore.score).where(SelfScore.version_id.in_(_IDS))


def _promises(product_ids: Sequence[int]) -> dict[int, list[figures.Promise]]:
    return promises_of(product_ids)  # every date ever promised (promises.given)


def _response_times(product_ids: Sequence[int], limits: Mapping[int, float],
                    now: datetime) -> dict[int, list[timedelta]]:
    """Answered ideas' response times; unanswered ones once they waited beyond the product's target."""
    if not product_ids:
        return {}
    shortest = timedelta(hours=min(limits.values()))
    result: dict[int, list[timedelta]] = defaultdict(list)
    for product_id, created_at, first_response_at in db.session.execute(
        sa.select(Idea.product_id, Idea.created_at, Idea.first_response_at)
        .where(Idea.product_id.in_(product_ids),
               sa.or_(Idea.first_response_at.is_not(None), Idea.created_at < now - shortest))
    ):
        if first_response_at is not None:
            result[product_id].append(max(first_response_at - created_at, timedelta(0)))
        elif now - created_at > timedelta(hours=limits[product_id]):
            result[product_id].append(now - created_at)
    return result


def _top_ideas(product_ids: Sequence[int], limit: int) -> dict[int, list[figures.TopIdea]]:
    """The ``limit`` most-voted open ideas of every product, in one windowed query."""
    rank = sa.func.row_number().over(partition_by=Idea.product_id,
                                     order_by=(Idea.vote_count.desc(), Idea.id)).label("rank")
    ranked = (
        sa.select(Idea.id, Idea.product_id, Idea.title, Idea.vote_count, Idea.official_comment_id, rank)
        .where(Idea.product_id.in_(product_ids), Idea.status.not_in(list(CLOSED)))
        .subquery()
    )
    result: dict[int, list[figures.TopIdea]] = defaultdict(list)
    for row in db.session.execute(
        sa.select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.product_id, ranked.c.rank)
    ):
        result[row.product_id].append(
            figures.TopIdea(row.id, row.title, row.vote_count, row.official_comment_id is not None)
        )
    return result


def _judged_versions(products: Sequence[Product], today: date) -> dict[int, tuple[Version | None, Version | None]]:
    """(current, previous) released version of every product, in one query."""
    released = _released_versions([p.id for p in products], today)
    judged: dict[int, tuple[Version | None, Version | None]] = {}
    for product in products:
        chain = released.get(product.id, [])
        judged[product.id] = (chain[0] if chain else None, chain[1] if len(chain) > 1 else None)
    return judged


def maturities(products: Sequence[Product], today: date | None = None,
               now: datetime | None = None) -> dict[int, Maturity]:
    """Figures, stage and trend of every product, in a fixed number of queries (8).

    ``today`` decides which version is current (the demo replays the past with it).
    """
    today = today or date.today()
    now = now or utcnow()
    if not products:
        return {}
    ids = [p.id for p in products]
    judged = _judged_versions(products, today)
    tps = _active_touchpoints(ids)
    active_by_version: dict[int, set[int]] = {}
    for product in products:
        for version in judged[product.id]:
            if version is not None:
                active_by_version[version.id] = {tp[0] for tp in tps.get(product.id, [])}
    version_ids = list(active_by_version)
    ratings = (_ratings(sa.and_(Rating.version_id.in_(version_ids), stored.counted_ratings()), active_by_version)
               if version_ids else {})
    current_ids = [v.id for v, _ in judged.values() if v is not None]
    own = _self_scores(current_ids) if current_ids else {}
    limits = thresholds_of(p.company_id for p in products)
    promises = _promises(ids)
    responses = _response_times(ids, {p.id: limits[p.company_id].response_hours for p in products}, now)
    top = _top_ideas(ids, figures.DEFAULT_THRESHOLDS.top_ideas)
    misses = _misses(products, tps, limits, now)

    result = {}
    for product in products:
        current, previous = judged[product.id]
        t = limits[product.company_id]
        touchpoints = tps.get(product.id, [])
        fig = figures.compute(
            ratings.get(current.id, []) if current else [], touchpoints,
            own.get(current.id, {}) if current else {}, promises.get(product.id, []),
            responses.get(product.id, []), top.get(product.id, [])[: t.top_ideas], today, t, misses[product.id],
        )
        previous_grade = None
        if previous is not None:
            before = figures.compute(ratings.get(previous.id, []), touchpoints, {}, [], [], [], today, t)
            previous_grade = before.grade
            fig = figures.with_previous(fig, before)
        result[product.id] = Maturity(product, current, previous, fig, figures.stage(fig, t), t, previous_grade,
                                      figures.trend(fig.grade, previous_grade))
    return result


def maturity(product: Product, today: date | None = None) -> Maturity:
    return maturities([product], today)[product.id]


# The board and the maturity page read the stored figures (stored.py): one row per product, written when a fact
# changes (the events, through subscribers.py) and by the worker's schedule for what the clock changes.


def judge(products: Sequence[Product], *, ideas: bool = True, today: date | None = None,
          now: datetime | None = None) -> dict[int, Maturity]:
    """Figures, stage and trend from the stored rating sums, without reading a single rating.

    The idea facts (promises, response times, top ideas) are queried when ``ideas`` is true (an idea changed,
    the thresholds changed, the clock moved); otherwise they come from the product's stored row, so a rating
    costs a handful of indexed reads whatever the number of ideas and ratings.
    """
    today = today or date.today()
    if not products:
        return {}
    ids = [p.id for p in products]
    judged = _judged_versions(products, today)
    version_ids = [v.id for pair in judged.values() for v in pair if v is not None]
    sums = stored.sums_of(version_ids)
    tps = _active_touchpoints(ids)
    current_ids = [v.id for v, _ in judged.values() if v is not None]
    own = _self_scores(current_ids) if current_ids else {}
    limits = thresholds_of(p.company_id for p in products)
    rows = {} if ideas else stored.rows_of(ids)
    fresh = [p for p in products if p.id not in rows]
    facts: dict[int, tuple] = {pid: stored.idea_facts(row) for pid, row in rows.items()}
    if fresh:
        fresh_ids = [p.id for p in fresh]
        promises = _promises(fresh_ids)
        responses = _response_times(fresh_ids, {p.id: limits[p.company_id].response_hours for p in fresh},
                                    now or utcnow())
        top = _top_ideas(fresh_ids, figures.DEFAULT_THRESHOLDS.top_ideas)
        for product in fresh:
            t = limits[product.company_id]
            facts[product.id] = (figures.promises_kept(promises.get(product.id, []), today),
                                 figures.median_hours(responses.get(product.id, [])),
                                 top.get(product.id, [])[: t.top_ideas])
    misses = _misses(products, tps, limits, now or utcnow())
    result = {}
    for product in products:
        current, previous = judged[product.id]
        t = limits[product.company_id]
        touchpoints = tps.get(product.id, [])
        promised, median, top_ideas = facts[product.id]
        fig = figures.compute_from_sums(sums[current.id] if current else figures.Sums(), touchpoints,
                                        own.get(current.id, {}) if current else {}, promised, median, top_ideas, t,
                                        misses[product.id])
        previous_grade = None
        if previous is not None:
            before = figures.compute_from_sums(sums[previous.id], touchpoints, {}, (None, 0), None, [], t)
            previous_grade = before.grade
            fig = figures.with_previous(fig, before)
        result[product.id] = Maturity(product, current, previous, fig, figures.stage(fig, t), t, previous_grade,
                                      figures.trend(fig.grade, previous_grade))
    return result


def current_maturities(products: Sequence[Product]) -> dict[int, Maturity]:
    """The stored figures of these products (one query); a product not judged yet is judged, not stored (a page
    view writes nothing; the worker's schedule stores it within minutes)."""
    if not products:
        return {}
    rows = stored.rows_of([p.id for p in products])
    result: dict[int, Maturity] = {}
    missing = []
    for product in products:
        row = rows.get(product.id)
        versions = {v.id: v for v in product.versions}
        if row is None or any(i is not None and i not in versions for i in (row.version_id, row.previous_version_id)):
            missing.append(product)
            continue
        result[product.id] = Maturity(
            product, versions.get(row.version_id) if row.version_id else None,
            versions.get(row.previous_version_id) if row.previous_version_id else None,
            stored.figures_from(row.figures), stored.verdict_from(row.verdict), figures.Thresholds(**row.thresholds),
            row.previous_grade, row.trend)
    if missing:
        result.update(judge(missing))
    return result


def current_maturity(product: Product) -> Maturity:
    return current_maturities([product])[product.id]


def version_figures(product: Product, versions: Sequence[Version]) -> dict[int, figures.Figures]:
    """The rating figures of these versions of one product (raters, grade, lower bound, expectation gaps, each
    touchpoint's grade), from their stored sums: three queries, whatever the number of ratings."""
    sums = stored.sums_of([v.id for v in versions])
    touchpoints = _active_touchpoints([product.id])[product.id]
    thresholds = thresholds_of([product.company_id])[product.company_id]
    return {v.id: figures.compute_from_sums(sums[v.id], touchpoints, {}, (None, 0), None, [], thresholds)
            for v in versions}


@dataclass(frozen=True)
class VersionGrade:
    version: Version
    grade: float | None
    raters: int


def grades_over_versions(product: Product, today: date | None = None) -> list[VersionGrade]:
    """Overall grade and raters of every released version, oldest first, from the stored sums (two queries)."""
    today = today or date.today()
    chain = list(reversed(_released_versions([product.id], today).get(product.id, [])))
    sums = stored.sums_of([v.id for v in chain])
    out = []
    for version in chain:
        found = sums[version.id]
        grade = round(float(found.grade_sum / found.raters), 6) if found.raters else None
        out.append(VersionGrade(version, grade, found.raters))
    return out


def stage_history(product: Product) -> list[StageChange]:
    return list(db.session.scalars(
        sa.select(StageChange).where(StageChange.product_id == product.id)
        .options(selectinload(StageChange.version))
        .order_by(StageChange.created_at.desc(), StageChange.id.desc())
    ))


def last_stages(product_ids: Sequence[int]) -> dict[int, str]:
    """The last recorded stage of each product (Prototype when none is recorded)."""
    found = dict(db.session.execute(_LAST_STAGES, {"ids": list(product_ids)}).all())
    return {pid: found.get(pid, figures.PROTOTYPE) for pid in product_ids}


_LAST_STAGES = sa.select(StageChange.product_id, StageChange.to_stage).where(StageChange.id.in_(
    sa.select(sa.func.max(StageChange.id)).where(StageChange.product_id.in_(_IDS)).group_by(StageChange.product_id)))


def record_changes(found: Mapping[int, Maturity], when: datetime | None = None) -> list[StageChange]:
    last = last_stages(list(found))
    changes = []
    for product_id, m in found.items():
        if m.stage != last[product_id]:
            change = StageChange(product_id=product_id, version_id=m.version.id if m.version else None,
                                 from_stage=last[product_id], to_stage=m.stage, figures=m.snapshot(),
                                 created_at=when or utcnow())
            db.session.add(change)
            changes.append(change)
    db.session.flush()
    for change in changes:
        events.stage_changed.send(change)
    return changes


def refresh_stages(products: Sequence[Product], *, ideas: bool = True) -> list[StageChange]:
    """Judge these products again (see ``judge``), store their figures and record the stages that changed.
    Inside ``judged_once`` they are judged at the end of its block instead (and nothing is returned here)."""
    if not products:
        return []
    waiting = db.session.info.get(_WAITING)
    if waiting is not None:
        for product in products:
            ideas_too = ideas or (product.id in waiting and waiting[product.id][1])
            waiting[product.id] = (product, ideas_too)
        return []
    found = judge(products, ideas=ideas)
    stored.store(found)
    return record_changes(found)


_WAITING = "cocreate.maturity.judged_once"


@contextmanager
def judged_once() -> Iterator[None]:
    """Judge each product that asks for it inside the block once, at its end, with everything the block changed.

    A rating sends ``rating_saved``; the misses it opens send ``miss_opened`` each; every one of those asks for the
    product's stage (maturity/subscribers.py). Judging is most of a rating's cost (reading the sums, the misses and
    the idea facts, writing the figures), so inside this block the asks are collected and the product is judged
    once, after the last of them. Nested blocks judge at the outermost end; an error judges nothing."""
    if _WAITING in db.session.info:
        yield
        return
    waiting: dict[int, tuple[Product, bool]] = {}
    db.session.info[_WAITING] = waiting
    try:
        yield
    finally:
        db.session.info.pop(_WAITING, None)
    for ideas in (True, False):
        products = [product for product, ideas_too in waiting.values() if ideas_too == ideas]
        if products:
            refresh_stages(products, ideas=ideas)


def refresh_stage(product: Product, *, ideas: bool = True) -> StageChange | None:
    """Judge the product again; record and return a StageChange when its stage differs from the last one."""
    changes = refresh_stages([product], ideas=ideas)
    return changes[0] if changes else None


def company_products(company: Company) -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.company_id == company.id)))
