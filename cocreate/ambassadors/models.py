"""Ambassadors: where accounts signed up from, the contribution score table, the shortlist."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.database import enum_type
from cocreate.extensions import Model, UTCDateTime, utcnow
from cocreate.i18n import _l


class AccountOrigin(Model):
    """Sign-up facts the anti-gaming rule needs, kept apart from the users table.

    ``ip_hash`` is HMAC-SHA256(SECRET_KEY, address): equal addresses give equal hashes, and the
    address itself is never stored.
    """

    __tablename__ = "account_origins"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    ip_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContributionScore(Model):
    """One customer's score for one company, scope and period, rebuilt by ``services.refresh_scores``.

    ``product_id`` is 0 for "all the company's products" (a plain column, not a foreign key, so the
    company-wide rows fit the same primary key); ``period_days`` is 30, 90, 365 or 0 for all time.
    The ``*_n`` columns count facts, the ``*_pts`` columns hold their decayed points.
    """

    __tablename__ = "contribution_scores"
    __table_args__ = (
        # one index per sort of the leaderboard, so a page never sorts the whole company (ties: user id, so the
        # board's order, total and user id both descending, is this index read backwards)
        sa.Index("ix_contribution_scores_board", "company_id", "product_id", "period_days", "total", "user_id"),
        sa.Index("ix_contribution_scores_recent", "company_id", "product_id", "period_days", "last_active_at"),
        sa.Index("ix_contribution_scores_ideas", "company_id", "product_id", "period_days", "ideas_n", "total"),
        sa.Index("ix_contribution_scores_shipped", "company_id", "product_id", "period_days", "shipped_n", "total"),
        sa.Index("ix_contribution_scores_user", "user_id", "company_id", "period_days", "product_id"),
    )

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True)
    period_days: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column()
    total: Mapped[float] = mapped_column(sa.Float)
    ideas_n: Mapped[int] = mapped_column()
    ideas_pts: Mapped[float] = mapped_column(sa.Float)
    votes_n: Mapped[int] = mapped_column()
    votes_pts: Mapped[float] = mapped_column(sa.Float)
    planned_n: Mapped[int] = mapped_column()
    planned_pts: Mapped[float] = mapped_column(sa.Float)
    in_progress_n: Mapped[int] = mapped_column()
    in_progress_pts: Mapped[float] = mapped_column(sa.Float)
    shipped_n: Mapped[int] = mapped_column()
    shipped_pts: Mapped[float] = mapped_column(sa.Float)
    helpful_n: Mapped[int] = mapped_column()
    helpful_pts: Mapped[float] = mapped_column(sa.Float)
    ratings_n: Mapped[int] = mapped_column()
    ratings_pts: Mapped[float] = mapped_column(sa.Float)
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScoreRun(Model):
    """When a company's scores were last computed, and how many customers each board lists.

    ``counts`` maps "<product_id>:<period_days>" to the number of score rows, so a leaderboard page
    needs no COUNT over thousands of rows.
    """

    __tablename__ = "contribution_score_runs"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    counts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)


class State(enum.StrEnum):
    CANDIDATE = "candidate"
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The state people read, in the page's language (the CSV export writes ``english_label``)."""
        return str(_STATE_LABELS[self])

    @property
    def english_label(self) -> str:
        """For the CSV export, which stays English."""
        return self.value.capitalize()


_STATE_LABELS = {
    State.CANDIDATE: _l("Candidate"),
    State.INVITED: _l("Invited"),
    State.ACCEPTED: _l("Accepted"),
    State.DECLINED: _l("Declined"),
    State.WITHDRAWN: _l("Withdrawn"),
}


STATE_TYPE = enum_type(State, "ambassador_state")


class Candidate(Model):
    """A customer on a company's ambassador shortlist: one row per company and customer."""

    __tablename__ = "ambassador_candidates"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "user_id"),
        sa.Index("ix_ambassador_candidates_user_state", "user_id", "state"),
        sa.Index("ix_ambassador_candidates_company_state", "company_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[State] = mapped_column(STATE_TYPE, default=State.CANDIDATE)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who sent the invitation: told when the customer answers (None before migration 0018, or once they left).
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    company: Mapped[Company] = relationship()
