"""Demo emotions and misses (issue 17): a mixed emotion profile on every rated version, and misses in every state.

Emotions are drawn from their own fixed-seed generator (the scores' draws, and so the stages, stay as they were):
what a rater felt follows the score they gave. Misses are opened from the demo ratings as the rating service would
open them (``models.is_miss``), then given a story: misses of earlier versions were answered and closed with the
next version, and recovered when the same customer rated that version well enough; misses of the current version
are partly answered (most within the hour), and on Pasta Box some are still waiting. No events are sent: the demo's
``flask seed-demo`` rebuilds the stored figures afterwards.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from cocreate.companies.models import Membership, Role
from cocreate.extensions import db
from cocreate.maturity.models import Rating
from cocreate.misses.models import Miss, MissReply, is_miss
from cocreate.products.models import Product

_FELT = {  # what a score tends to feel like: (emotion, weight)
    5: (("joy", 4), ("admiration", 3), ("fascination", 2), ("satisfaction", 2)),
    4: (("satisfaction", 5), ("hope", 2), ("attraction", 2), ("joy", 1)),
    3: (("satisfaction", 2), ("hope", 2), ("boredom", 2)),
    2: (("dissatisfaction", 4), ("sadness", 2), ("boredom", 1), ("contempt", 1)),
    1: (("dissatisfaction", 3), ("disgust", 2), ("fear", 1), ("contempt", 2)),
}

ANSWERS = [
    "Thank you for telling us. We are sorry: this is not the experience we want you to have, and we are on it.",
    "You are right, and we have changed how this works. Could you give the next version a try?",
    "Sorry about this. We traced it to one supplier and replaced them.",
]
NOTES = ["Fixed: the courier now delivers within the promised slot.", "Fixed in the new version; thank you for "
         "the push."]


def _feel(rng: random.Random, score: int) -> str:
    names, weights = zip(*_FELT[score], strict=True)
    return rng.choices(names, weights=weights)[0]


def add_feelings(product: Product, version, ratings: list[Rating]) -> None:
    """What each demo rater felt: about the whole version (three in four say) and some touchpoints (one in three)."""
    rng = random.Random(f"cocreate-demo-feelings-{product.slug}-{version.label}")  # noqa: S311  # nosec B311
    for rating in ratings:
        scores = [s.score for s in rating.scores]
        if scores and rng.random() < 0.75:
            rating.emotion = _feel(rng, round(sum(scores) / len(scores)))
        for score in rating.scores:
            if rng.random() < 0.35:
                score.emotion = _feel(rng, score.score)


def seed_misses(today: date) -> None:
    """Misses of every demo product that has none yet (idempotent)."""
    for product in db.session.scalars(sa.select(Product).order_by(Product.id)):
        if db.session.scalar(sa.select(Miss.id).where(Miss.product_id == product.id).limit(1)):
            continue
        _misses_of(product, today)
    db.session.flush()


def _misses_of(product: Product, today: date) -> None:
    rng = random.Random(f"cocreate-demo-misses-{product.slug}")  # noqa: S311  # nosec B311
    team = db.session.scalars(sa.select(Membership.user_id).where(
        Membership.company_id == product.company_id, Membership.role.in_([Role.OWNER, Role.PRODUCT]))
        .order_by(Membership.id)).all()
    if not team:
        return
    released = sorted((v for v in product.versions if v.released_on <= today), key=lambda v: (v.released_on, v.id))
    if not released:
        return
    current = released[-1]
    ratings = db.session.scalars(sa.select(Rating).where(Rating.version_id.in_([v.id for v in released]),
                                                         Rating.held.is_(False)).order_by(Rating.id)).all()
    later: dict[tuple[int, int], list[Rating]] = {}
    for rating in ratings:
        later.setdefault((rating.user_id, rating.version_id), []).append(rating)
    now = datetime.now(UTC)
    for rating in ratings:
        version = next(v for v in released if v.id == rating.version_id)
        for score in rating.scores:
            if not score.touchpoint.active or not is_miss(score.score, rating.expected):
                continue
            miss = Miss(product_id=product.id, version_id=version.id, touchpoint_id=score.touchpoint_id,
                        rating_id=rating.id, user_id=rating.user_id, score=score.score, expected=rating.expected,
                        opened_at=rating.created_at)
            db.session.add(miss)
            if version.id != current.id:
                _closed(rng, miss, version, released, team, later, now)
            else:
                _current(rng, product, miss, team, now)


def _reply(miss: Miss, author_id: int, body: str, when: datetime) -> None:
    miss.replies.append(MissReply(author_id=author_id, body=body, created_at=when))
    if miss.first_answer_at is None or when < miss.first_answer_at:
        miss.first_answer_at = when


def _closed(rng, miss: Miss, version, released, team, later, now) -> None:
    """A miss of an earlier version: answered, closed with the next version, recovered when the customer's score
    of the touchpoint on that version (or a later one) reached what they expected."""
    fix = released[released.index(version) + 1]
    answered = miss.opened_at + timedelta(minutes=rng.choice((12, 25, 40, 55, 90, 200, 600)))
    _reply(miss, rng.choice(team), rng.choice(ANSWERS), min(answered, now))
    closed = max(datetime.combine(fix.released_on, time(9), UTC), miss.first_answer_at or miss.opened_at)
    miss.closed_at, miss.closed_by_id, miss.fixed_version_id = min(closed, now), rng.choice(team), fix.id
    _reply(miss, miss.closed_by_id, rng.choice(NOTES), miss.closed_at)
    for candidate in released[released.index(fix):]:
        again = later.get((miss.user_id, candidate.id))
        if not again:
            continue
        new = again[0].score_map.get(miss.touchpoint_id)
        if new is None:
            continue
        miss.rerated_score = new
        if new >= miss.target:
            miss.recovered_at = max(again[0].created_at, miss.closed_at)
        break


def _current(rng, product: Product, miss: Miss, team, now) -> None:
    """A miss of the current version: most answered within the hour; on a Below par product some still wait."""
    waiting = product.slug == "pasta-box" and rng.random() < 0.4
    if waiting:
        return
    minutes = rng.choice((8, 15, 22, 35, 50, 140)) if product.slug != "caffe-uno" else rng.choice((6, 14, 30))
    _reply(miss, rng.choice(team), rng.choice(ANSWERS), min(miss.opened_at + timedelta(minutes=minutes), now))
