"""The ambassador shortlist: candidates, invitations and answers, who is an ambassador, the CSV export.

Services flush; the caller commits."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import aliased

from cocreate import events
from cocreate.ambassadors.leaderboard import contact_email, points
from cocreate.ambassadors.models import Candidate, ContributionScore, State
from cocreate.ambassadors.scores import ALL_PRODUCTS
from cocreate.auth.models import User
from cocreate.companies.models import Company, Membership, Role
from cocreate.extensions import db, utcnow
from cocreate.i18n import _
from cocreate.refusal import N_, Refused
from cocreate.web import path_for

INVITATIONS_PATH = "/me/invitations"  # where a customer answers; linked from notifications


class AmbassadorError(Refused):
    """A shortlist change that is not allowed; the message says why."""


# --- The shortlist -----------------------------------------------------------------------------------

TRANSITIONS: dict[State, frozenset[State]] = {
    State.CANDIDATE: frozenset({State.INVITED, State.WITHDRAWN}),
    State.INVITED: frozenset({State.ACCEPTED, State.DECLINED, State.WITHDRAWN}),
    State.ACCEPTED: frozenset({State.WITHDRAWN}),
    State.DECLINED: frozenset(),
    State.WITHDRAWN: frozenset(),
}


def _move(candidate: Candidate, to: State) -> None:
    if to not in TRANSITIONS[candidate.state]:
        raise AmbassadorError(_refusal(candidate, to))
    candidate.state = to
    candidate.updated_at = utcnow()


def _refusal(candidate: Candidate, to: State) -> str:
    if to == State.INVITED and candidate.state != State.CANDIDATE:
        return _("%(name)s was invited already (%(state)s).", name=candidate.user.name,
                 state=candidate.state.label.lower())
    return _("An invitation that is %(state)s cannot become %(to)s.", state=candidate.state.label.lower(),
             to=to.label.lower())


def is_member(company_id: int, user_id: int) -> bool:
    return db.session.scalar(sa.select(Membership.id).where(
        Membership.company_id == company_id, Membership.user_id == user_id)) is not None


def add_candidate(company: Company, user: User, added_by: User, note: str = "") -> Candidate:
    """Put a customer on the company's shortlist; the unique (company, user) constraint keeps it once."""
    if is_member(company.id, user.id):
        raise AmbassadorError(N_("%(name)s is a member of %(company)s, not a customer."),
                              name=user.name, company=company.name)
    candidate = Candidate(company_id=company.id, user_id=user.id, user=user, added_by_id=added_by.id,
                          note=note.strip(), state=State.CANDIDATE)
    try:
        with db.session.begin_nested():
            db.session.add(candidate)
    except sa.exc.IntegrityError:
        raise AmbassadorError(N_("%(name)s is on the shortlist already."), name=user.name) from None
    return candidate


def set_note(candidate: Candidate, note: str) -> None:
    candidate.note = note.strip()
    candidate.updated_at = utcnow()
    db.session.flush()


def invite(candidate: Candidate, url: str | None = None, by: User | None = None) -> None:
    """Invite a shortlisted customer, once, and only if they agreed to be contacted; ``by`` (the marketer) is told
    of the answer."""
    if candidate.state == State.CANDIDATE and not candidate.user.contact_opt_in:
        raise AmbassadorError(N_("%(name)s has not agreed to be contacted about ambassador programmes."),
                              name=candidate.user.name)
    _move(candidate, State.INVITED)
    candidate.invited_at = utcnow()
    candidate.invited_by_id = by.id if by is not None else None
    db.session.flush()
    _notify(candidate, url)


def answer(candidate: Candidate, user: User, accept: bool) -> None:
    """Only the invited customer answers their own invitation."""
    if candidate.user_id != user.id:
        raise AmbassadorError(N_("Only the invited customer can answer this invitation."))
    if candidate.state != State.INVITED:
        raise AmbassadorError(N_("This invitation is %(state)s; there is nothing to answer."),
                              state=candidate.state.label.lower())
    _move(candidate, State.ACCEPTED if accept else State.DECLINED)
    candidate.answered_at = utcnow()
    db.session.flush()
    company = candidate.company  # the row exists: its company loads from company_id
    events.ambassador_answered.send(candidate, company=company, accepted=accept, inviters=inviters(candidate),
                                    url=path_for("ambassadors.shortlist", slug=company.slug))


def inviters(candidate: Candidate) -> list[User]:
    """Who is told of the answer: the member who sent the invitation, else (invitations sent before that was
    recorded) whoever put the customer on the shortlist, else the company's marketing members; only people who
    are still members."""
    members = set(db.session.scalars(sa.select(Membership.user_id).where(
        Membership.company_id == candidate.company_id)))
    for user_id in (candidate.invited_by_id, candidate.added_by_id):
        if user_id is not None and user_id in members:
            user = db.session.get(User, user_id)
            if user is not None:
                return [user]
    return list(db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.company_id == candidate.company_id, Membership.role == Role.MARKETING).order_by(User.id)))


def withdraw(candidate: Candidate) -> None:
    _move(candidate, State.WITHDRAWN)
    db.session.flush()


def _notify(candidate: Candidate, url: str | None) -> None:
    """In-site notification, and an e-mail as the customer's notification settings say."""
    company = candidate.company or db.session.get(Company, candidate.company_id)
    events.ambassador_invited.send(candidate, company=company, url=url or INVITATIONS_PATH)


@dataclass
class ShortlistEntry:
    candidate: Candidate
    name: str
    email: str | None
    opted_in: bool
    total: float | None


def shortlist(company: Company) -> list[ShortlistEntry]:
    """The company's shortlist with each customer's all-time score, in one query."""
    score = aliased(ContributionScore)
    found = db.session.execute(
        sa.select(Candidate, User.name, contact_email(), User.contact_opt_in, score.total)
        .join(User, User.id == Candidate.user_id)
        .outerjoin(score, sa.and_(score.company_id == Candidate.company_id, score.user_id == Candidate.user_id,
                                  score.product_id == ALL_PRODUCTS, score.period_days == 0))
        .where(Candidate.company_id == company.id)
        .order_by(Candidate.created_at.desc(), Candidate.id.desc())
    ).all()
    return [ShortlistEntry(c, name, email, opted_in, total) for c, name, email, opted_in, total in found]


def entry(candidate: Candidate) -> ShortlistEntry:
    return next(e for e in shortlist(candidate.company) if e.candidate.id == candidate.id)


def invitations_of(user: User) -> list[Candidate]:
    """What the customer can see: invitations sent to them (never the internal shortlist)."""
    return list(db.session.scalars(
        sa.select(Candidate).where(Candidate.user_id == user.id, Candidate.invited_at.is_not(None))
        .options(sa.orm.joinedload(Candidate.company))
        .order_by(Candidate.invited_at.desc())
    ))


def ambassador_of(user_id: int | None) -> list[Company]:
    """The companies whose ambassador the user is, memoised for the request."""
    if user_id is None:
        return []
    cache = g.setdefault("_ambassador_of", {})
    if user_id not in cache:
        cache[user_id] = list(db.session.scalars(
            sa.select(Company).join(Candidate, Candidate.company_id == Company.id)
            .where(Candidate.user_id == user_id, Candidate.state == State.ACCEPTED).order_by(Company.name)))
    return cache[user_id]


def is_ambassador(user_id: int | None, company_id: int) -> bool:
    return any(c.id == company_id for c in ambassador_of(user_id))


def ambassador_ids(company_id: int) -> frozenset[int]:
    """The company's accepted ambassadors, one query per request (for badges next to many names)."""
    cache = g.setdefault("_ambassador_ids", {})
    if company_id not in cache:
        cache[company_id] = frozenset(db.session.scalars(sa.select(Candidate.user_id).where(
            Candidate.company_id == company_id, Candidate.state == State.ACCEPTED)))
    return cache[company_id]


# --- CSV export --------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ["Name", "E-mail", "State", "Score (all time)", "Note", "Shortlisted on", "Invited on"]


def csv_cell(value) -> str:
    """Text for a spreadsheet cell; a leading = + - @ (a formula to Excel) gets an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def shortlist_csv(company: Company) -> tuple[str, int]:
    """The shortlist as CSV text (with a BOM, so Excel reads UTF-8) and how many were left out.

    Only customers who agreed to be contacted are exported; the others are left out entirely.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    left_out = 0
    for e in shortlist(company):
        if not e.opted_in or e.email is None:
            left_out += 1
            continue
        c = e.candidate
        writer.writerow([csv_cell(v) for v in (
            e.name, e.email, c.state.english_label, points(e.total or 0.0), c.note, c.created_at.date().isoformat(),
            c.invited_at.date().isoformat() if c.invited_at else "")])
    return buffer.getvalue(), left_out


def left_out_of_export(entries: Sequence[ShortlistEntry]) -> int:
    return sum(1 for e in entries if not e.opted_in)
