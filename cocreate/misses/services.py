"""Misses and their recovery: the rules (docs/maturity.md, "Misses and their recovery").

- A miss opens when a counted rating (not held, its rater's address confirmed) scores a touchpoint 1-2, or at
  least two points below the rating's expected score (``models.is_miss``); one miss per rating and touchpoint.
  Changing the rating keeps the miss (the customer did feel it) and updates its score while it is still a miss.
- The team answers (a reply, sent to the customer) and closes it naming the version that fixes it: a released
  version newer than the one that missed. Closing answers the miss too, when nobody had.
- The customer's score of the touchpoint on the fixing version, or any later one, is kept on the miss; the miss
  is recovered while that score reaches ``Miss.target`` (what they expected; 3 when they did not say).

Services flush and send their events; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from cocreate import events
from cocreate.auth.models import User
from cocreate.extensions import db, utcnow
from cocreate.maturity import figures
from cocreate.maturity.models import Rating
from cocreate.misses.models import Miss, MissReply, is_miss
from cocreate.products.models import Product, Version
from cocreate.refusal import N_, Refused

REPLY_MAX = 2000


class MissError(Refused):
    """A change to a miss that the rules do not allow."""


def counts(rating: Rating) -> bool:
    """Only ratings that count in the figures open misses (a held rating may be a burst of new accounts)."""
    return not rating.held and rating.user.is_verified


def open_for(rating: Rating, product: Product) -> list[Miss]:
    """Open a miss for every touchpoint of the rating that missed; the misses opened now (``miss-opened`` each)."""
    if not counts(rating):
        return []
    existing = {m.touchpoint_id: m for m in db.session.scalars(sa.select(Miss).where(Miss.rating_id == rating.id))}
    opened = []
    for score in rating.scores:
        if not score.touchpoint.active or not is_miss(score.score, rating.expected):
            continue
        miss = existing.get(score.touchpoint_id)
        if miss is not None:
            if miss.closed_at is None:
                miss.score, miss.expected = score.score, rating.expected
            continue
        miss = Miss(product_id=product.id, version_id=rating.version_id, touchpoint_id=score.touchpoint_id,
                    rating_id=rating.id, user_id=rating.user_id, score=score.score, expected=rating.expected,
                    opened_at=utcnow())
        db.session.add(miss)
        opened.append(miss)
    db.session.flush()
    for miss in opened:
        events.miss_opened.send(miss, product=product)
    return opened


def recover_with(rating: Rating, product: Product) -> list[Miss]:
    """The rater's closed misses whose fix this rating's version is (or follows): their new score kept, and each
    recovered while it reaches the target. Returns the misses that changed (``miss-recovered`` for the newly
    recovered ones)."""
    version = db.session.get(Version, rating.version_id)
    if version is None or not counts(rating):
        return []
    scores = rating.score_map
    candidates = db.session.scalars(
        sa.select(Miss).join(Version, Version.id == Miss.fixed_version_id)
        .where(Miss.user_id == rating.user_id, Miss.product_id == product.id, Miss.closed_at.is_not(None),
               Miss.touchpoint_id.in_(list(scores)), Version.released_on <= version.released_on)).all()
    changed, recovered = [], []
    for miss in candidates:
        if miss.fixed_version_id != version.id and miss.fixed_version is not None and \
                (miss.fixed_version.released_on, miss.fixed_version.id) > (version.released_on, version.id):
            continue
        new = scores[miss.touchpoint_id]
        was = miss.recovered_at is not None
        reached = new >= miss.target
        if miss.rerated_score == new and was == reached:
            continue
        miss.rerated_score = new
        miss.recovered_at = (miss.recovered_at or utcnow()) if reached else None
        changed.append(miss)
        if reached and not was:
            recovered.append(miss)
    db.session.flush()
    for miss in recovered:
        events.miss_recovered.send(miss, product=product)
    return changed


def answer(miss: Miss, author: User, body: str) -> MissReply:
    """A reply to the customer of the miss (``miss-answered``: they are told, in the site and by mail)."""
    body = (body or "").strip()
    if not body:
        raise MissError(N_("Write your answer to the customer first."))
    if len(body) > REPLY_MAX:
        raise MissError(N_("An answer can be at most %(max)s characters."), max=REPLY_MAX)
    reply = MissReply(miss_id=miss.id, author_id=author.id, body=body, created_at=utcnow())
    db.session.add(reply)
    if miss.first_answer_at is None:
        miss.first_answer_at = reply.created_at
    db.session.flush()
    db.session.refresh(miss, ["replies"])
    events.miss_answered.send(miss, reply=reply, actor=author)
    return reply


def fixing_versions(miss: Miss, today: date | None = None) -> list[Version]:
    """The versions that may be named as the fix: released, and newer than the version that missed."""
    today = today or date.today()
    missed = miss.version
    return [v for v in miss.product.versions
            if v.released_on <= today and (v.released_on, v.id) > (missed.released_on, missed.id)]


def close(miss: Miss, actor: User, fixed: Version | None, note: str = "") -> Miss:
    """Closed as fixed in ``fixed`` (``miss-closed``: the customer is invited to rate that version)."""
    if miss.closed_at is not None:
        raise MissError(N_("This miss is closed already."))
    if fixed is None or fixed.product_id != miss.product_id:
        raise MissError(N_("Name the version that fixes it."))
    if fixed not in fixing_versions(miss):
        raise MissError(N_("%(version)s cannot fix it: name a released version newer than %(missed)s."),
                        version=fixed.label, missed=miss.version.label)
    if note.strip():
        answer(miss, actor, note)
    now = utcnow()
    miss.closed_at, miss.closed_by_id, miss.fixed_version_id = now, actor.id, fixed.id
    if miss.first_answer_at is None:
        miss.first_answer_at = now
    db.session.flush()
    events.miss_closed.send(miss, product=miss.product, actor=actor)
    # They may have rated the fixing version already (closing late): that rating counts at once.
    rating = db.session.scalar(sa.select(Rating).join(Version, Version.id == Rating.version_id)
                               .where(Rating.user_id == miss.user_id, Version.product_id == miss.product_id,
                                      Version.released_on >= fixed.released_on, Rating.id != miss.rating_id)
                               .order_by(Version.released_on.desc(), Version.id.desc()).limit(1))
    if rating is not None:
        recover_with(rating, miss.product)
    return miss


# --------------------------------------------------------------------------- reading

def _counted(query):
    """Only misses of ratings that count: a rating held after its miss opened (the burst it began was found later),
    or whose rater's address is no longer confirmed, keeps its miss out of the list and the figures until it counts.
    Joined by primary key, miss by miss: the product's ratings are never scanned."""
    return (query.join(Rating, Rating.id == Miss.rating_id).join(User, User.id == Rating.user_id)
            .where(Rating.held.is_(False), User.email_verified_at.is_not(None)))


def team_list(product: Product, *, closed: bool = False, limit: int = 50) -> list[Miss]:
    """Open misses (or the closed ones), newest first, with what the page shows loaded in a fixed number of queries."""
    where = Miss.closed_at.is_not(None) if closed else Miss.closed_at.is_(None)
    return list(db.session.scalars(
        _counted(sa.select(Miss)).where(Miss.product_id == product.id, where)
        .options(selectinload(Miss.user), selectinload(Miss.touchpoint), selectinload(Miss.version),
                 selectinload(Miss.fixed_version), selectinload(Miss.rating).selectinload(Rating.scores),
                 selectinload(Miss.replies).selectinload(MissReply.author))
        .order_by((Miss.closed_at if closed else Miss.opened_at).desc(), Miss.id.desc()).limit(limit)))


def of_customer(user: User, product: Product) -> list[Miss]:
    """The customer's own misses on the product, newest first."""
    return list(db.session.scalars(
        _counted(sa.select(Miss)).where(Miss.user_id == user.id, Miss.product_id == product.id)
        .options(selectinload(Miss.touchpoint), selectinload(Miss.version), selectinload(Miss.fixed_version),
                 selectinload(Miss.replies).selectinload(MissReply.author))
        .order_by(Miss.opened_at.desc(), Miss.id.desc())))


def facts_of(product_ids: Sequence[int]) -> dict[int, list[figures.MissFact]]:
    """Every miss of these products as the figures read them, in one query."""
    result: dict[int, list[figures.MissFact]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return result
    for row in db.session.execute(
        _counted(sa.select(Miss.product_id, Miss.touchpoint_id, Miss.opened_at, Miss.first_answer_at, Miss.closed_at,
                           Miss.score, Miss.rerated_score, Miss.recovered_at))
        .where(Miss.product_id.in_(product_ids)).order_by(Miss.id)
    ):
        result[row.product_id].append(figures.MissFact(row.touchpoint_id, row.opened_at, row.first_answer_at,
                                                       row.closed_at, row.score, row.rerated_score,
                                                       row.recovered_at))
    return result


def should_be_open(product_ids: Sequence[int]) -> list[str]:
    """For ``flask maturity verify``: counted ratings with a missing touchpoint that have no miss (empty: in step)."""
    from cocreate.maturity.models import RatingScore
    from cocreate.maturity.stored import counted_ratings
    from cocreate.products.models import Touchpoint

    rows = db.session.execute(
        sa.select(Rating.id, RatingScore.touchpoint_id, RatingScore.score, Rating.expected, Miss.id)
        .join(RatingScore, RatingScore.rating_id == Rating.id)
        .join(Version, Version.id == Rating.version_id)
        .join(Touchpoint, Touchpoint.id == RatingScore.touchpoint_id)
        .join(Miss, sa.and_(Miss.rating_id == Rating.id, Miss.touchpoint_id == RatingScore.touchpoint_id),
              isouter=True)
        .where(Version.product_id.in_(product_ids), counted_ratings(), Touchpoint.retired_at.is_(None)))
    return [f"rating {rating_id}: touchpoint {tp_id} scored {score} (expected {expected}) has no miss"
            for rating_id, tp_id, score, expected, miss_id in rows if miss_id is None and is_miss(score, expected)]
