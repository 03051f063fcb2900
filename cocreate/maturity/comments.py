"""The comments customers leave with their ratings, for the product's team (issue 14.4).

The rating form promises "The team reads every comment": the maturity page shows them to the team (members of
the product's company) per version, newest first, filterable by touchpoint and score, and so does the API
(`GET /api/v1/products/{slug}/rating-comments`). Customers and visitors never see anyone's comment but their
own (on the rating form). An erased account's ratings are deleted (maturity.subscribers.on_account_erasing),
so their comments go with them.

A page costs two queries whatever its size: the comments (one row more than shown, to know whether there is an
older page) and the scores of the rows shown.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.extensions import db
from cocreate.maturity.models import Rating, RatingScore
from cocreate.products.models import Version

PER_PAGE = 20
MAX_PER_PAGE = 100
SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class RatingComment:
    rating_id: int
    comment: str
    rater: str
    rated_at: datetime  # when the rating (and so the comment) was last saved
    returning: bool
    expected: int | None
    held: bool  # held back by the hold rules (holds.py): counted in no figure until the team releases it
    scores: dict[int, int] = field(default_factory=dict, hash=False)  # touchpoint id -> 1-5; skipped: absent
    # What they felt (emotions.py): emotion key per touchpoint id, 0 for the whole version; none named: absent.
    emotions: dict[int, str] = field(default_factory=dict, hash=False)


@dataclass
class CommentPage:
    version: Version
    comments: list[RatingComment]
    page: int
    per_page: int
    has_next: bool
    touchpoint_id: int | None = None
    score: int | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def filtered(self) -> bool:
        return self.touchpoint_id is not None or self.score is not None


def comments_query(version: Version, *, touchpoint_id: int | None = None, score: int | None = None) -> sa.Select:
    """The version's ratings with a comment, as rows for ``comments_of``, unordered (their order: ``ORDER``).

    `touchpoint_id`: only ratings that scored that touchpoint; with `score`, only those that gave it that score.
    `score` alone: ratings whose own average score, rounded, is `score` (3.5 counts as 4).
    """
    query = (sa.select(Rating.id, Rating.comment, Rating.updated_at, Rating.returning, Rating.expected, Rating.held,
                       User.name, Rating.emotion)
             .join(User, User.id == Rating.user_id)
             .where(Rating.version_id == version.id, Rating.comment != ""))
    if touchpoint_id is not None:
        scored = sa.select(RatingScore.rating_id).where(RatingScore.rating_id == Rating.id,
                                                        RatingScore.touchpoint_id == touchpoint_id)
        if score is not None:
            scored = scored.where(RatingScore.score == score)
        query = query.where(scored.exists())
    elif score is not None:
        averaged = (sa.select(RatingScore.rating_id).where(RatingScore.rating_id == Rating.id)
                    .group_by(RatingScore.rating_id)
                    .having(sa.func.round(sa.func.avg(RatingScore.score * 1.0)) == score))
        query = query.where(averaged.exists())
    return query


ORDER = (Rating.updated_at, Rating.id)  # newest first: both descending


def comments_of(shown: Sequence) -> list[RatingComment]:
    """Rows of ``comments_query`` with each rating's scores and emotions (one more query)."""
    scores: dict[int, dict[int, int]] = {}
    felt: dict[int, dict[int, str]] = {row.id: {0: row.emotion} for row in shown if row.emotion}
    if shown:
        for rating_id, tp_id, value, emotion in db.session.execute(
            sa.select(RatingScore.rating_id, RatingScore.touchpoint_id, RatingScore.score, RatingScore.emotion)
            .where(RatingScore.rating_id.in_([row.id for row in shown]))
        ):
            scores.setdefault(rating_id, {})[tp_id] = value
            if emotion:
                felt.setdefault(rating_id, {})[tp_id] = emotion
    return [RatingComment(row.id, row.comment, row.name, row.updated_at, row.returning, row.expected, row.held,
                          scores.get(row.id, {}), felt.get(row.id, {})) for row in shown]


def rating_comments(version: Version, *, touchpoint_id: int | None = None, score: int | None = None,
                    page: int = 1, per_page: int = PER_PAGE) -> CommentPage:
    """A page of the version's ratings with a comment, newest first (the maturity page's panel)."""
    rows = db.session.execute(comments_query(version, touchpoint_id=touchpoint_id, score=score)
                              .order_by(*(column.desc() for column in ORDER))
                              .limit(per_page + 1).offset((page - 1) * per_page)).all()
    return CommentPage(version, comments_of(rows[:per_page]), page, per_page, len(rows) > per_page, touchpoint_id,
                       score)
