"""Export and erasure of one user's data. No Flask request here.

Both work from the schema, not from a hand-kept list: every table with a foreign key to users.id is part of
the export, and the database's ON DELETE rules (CASCADE or SET NULL, checked by
tests/auth/test_privacy.py for every such key) decide what an erasure removes and what it keeps
anonymous. A feature that adds a table pointing at users is covered without a change here.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import User
from cocreate.companies.models import Invitation, Membership, Role
from cocreate.extensions import db, utcnow
from cocreate.maturity.models import RatingScore
from cocreate.refusal import N_, Refused

EXPORT_FORMAT = "cocreate-export/1"
# Columns never exported: credentials and the secrets that stand for them.
SECRET_WORDS = ("password", "token", "secret", "hash")

# Columns left out of the rows reached through one reference to the user (docs/security.md, "What the export
# holds"): (table, the column that names the user) -> (columns withheld, of which those the copy says exist).
WITHHELD: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    # A customer on a company's ambassador shortlist gets the fact: the company, the state and its dates. The team's
    # free-text note about them and who wrote it carry the judgement of others and the company's plans (GDPR
    # Art. 15(4), recital 63): the copy says whether a note exists; the company answers a request for it.
    ("ambassador_candidates", "user_id"): (("note", "added_by_id"), ("note",)),
    # The team member who shortlisted someone: what they did and when, not the customer or the note (the
    # company's record about that customer, which is in that customer's own copy as above).
    ("ambassador_candidates", "added_by_id"): (("user_id", "note"), ()),
}
WITHHELD_NOTICE = {
    "ambassador_candidates.note": "A company's internal note about you on its ambassador shortlist is not part "
    "of this copy (it holds the judgement of others; GDPR Art. 15(4)). \"note_withheld\": true says that one "
    "exists; ask that company for it.",
}


class ErasureRefused(Refused):
    pass


def user_references() -> list[sa.Column]:
    """Every column of the schema that points at users.id."""
    users = User.__table__
    return [fk.parent for table in db.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table is users]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _row(table: sa.Table, row, withheld: tuple[str, ...] = (), flagged: tuple[str, ...] = ()) -> dict:
    data = {column.name: _plain(row._mapping[column]) for column in table.columns
            if column.name not in withheld and not any(word in column.name.lower() for word in SECRET_WORDS)}
    data.update({f"{name}_withheld": bool(row._mapping[table.c[name]]) for name in flagged})
    return data


def export(user: User) -> dict:
    """All of the user's data as plain JSON-able values: the profile, then every row that refers to them."""
    references = user_references()
    # A table that refers to people in several columns names each list by its column ("misses.user_id"); the
    # voices a team member recorded for customers (ideas/voices.py) are listed apart ("ideas.recorded_by_id") and
    # leave the customer's own lists named as before ("ideas", "votes").
    owning = [c for c in references if c.name != "recorded_by_id"]
    tables_with_several = {c.table.name for c in owning if sum(r.table is c.table for r in owning) > 1}
    data: dict = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "profile": _row(User.__table__, db.session.execute(sa.select(User.__table__).where(User.id == user.id)).one()),
    }
    for column in references:
        table = column.table
        several = table.name in tables_with_several or column.name == "recorded_by_id"
        key = f"{table.name}.{column.name}" if several else table.name
        order = list(table.primary_key.columns)
        rows = db.session.execute(sa.select(table).where(column == user.id).order_by(*order)).all()
        withheld, flagged = WITHHELD.get((table.name, column.name), ((), ()))
        data[key] = [_row(table, row, withheld, flagged) for row in rows]
    data["withheld"] = dict(WITHHELD_NOTICE)
    # Rows that name the user by e-mail address rather than by id.
    for key, table, column in _by_address():
        rows = db.session.execute(sa.select(table).where(column == user.email)).all()
        data[key] = [_row(table, row) for row in rows]
    # A rating's scores hang off the rating, not the user: add them to each rating.
    scores: dict[int, list] = {}
    rating_ids = [r["id"] for r in data.get("ratings", [])]
    if rating_ids:
        for score in db.session.scalars(sa.select(RatingScore).where(RatingScore.rating_id.in_(rating_ids))):
            scores.setdefault(score.rating_id, []).append({"touchpoint_id": score.touchpoint_id, "score": score.score,
                                                           "emotion": score.emotion})
        for rating in data["ratings"]:
            rating["scores"] = scores.get(rating["id"], [])
    return data


def _by_address() -> list[tuple[str, sa.Table, sa.Column]]:
    """Tables that hold an e-mail address of someone who may have no account (yet)."""
    from cocreate.notifications.models import MailMessage

    return [("invitations_to_me", Invitation.__table__, Invitation.__table__.c.email),
            ("mail_to_me", MailMessage.__table__, MailMessage.__table__.c.to_address)]


def sole_owner_of(user: User) -> list[str]:
    """Names of the companies that would be left without an owner."""
    mine = sa.orm.aliased(Membership)
    owners = (sa.select(sa.func.count(Membership.id))
              .where(Membership.company_id == mine.company_id, Membership.role == Role.OWNER)
              .correlate(mine).scalar_subquery())
    rows = db.session.scalars(sa.select(mine).where(mine.user_id == user.id, mine.role == Role.OWNER, owners == 1))
    return sorted(m.company.name for m in rows)


def erase(user: User) -> None:
    """Delete the account. Each feature removes or adjusts its own rows on ``events.account_erasing`` (votes and
    the counters that counted them, ratings and the stages, mail and invitations to their address); the
    database's ON DELETE rules then remove or anonymise the rest: ideas and comments stay, by "deleted user"."""
    companies = sole_owner_of(user)
    if companies:
        raise ErasureRefused(N_("You are the only owner of %(companies)s. Make someone else an owner first "
            "(or remove the company's other members and products), then delete your account."),
                             companies=", ".join(companies))
    events.account_erasing.send(user)
    db.session.flush()
    user_id = user.id
    db.session.expunge(user)
    db.session.execute(sa.delete(User.__table__).where(User.__table__.c.id == user_id))
    db.session.expire_all()
    db.session.flush()
