"""Companies, members and invitations. Services flush; the caller commits."""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import User
from cocreate.auth.services import find_by_email, normalise_email
from cocreate.companies.models import Company, Invitation, Membership, Role
from cocreate.extensions import db, utcnow
from cocreate.refusal import N_, Refused
from cocreate.text import slugify

INVITATION_LIFETIME = timedelta(days=14)


class MembershipError(Refused):
    """A change to a company's members that cannot be made; the message says why."""


def unique_slug(model, name: str, exclude_id: int | None = None) -> str:
    base = slugify(name)
    slug, n = base, 1
    while True:
        query = sa.select(model.id).where(model.slug == slug)
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
        n += 1
        slug = f"{base[:55]}-{n}"


def create_company(owner: User, name: str) -> Company:
    company = Company(name=name.strip(), slug=unique_slug(Company, name))
    company.memberships.append(Membership(user=owner, role=Role.OWNER))
    db.session.add(company)
    db.session.flush()
    return company


def companies_of(user: User) -> list[tuple[Company, Role]]:
    rows = db.session.execute(
        sa.select(Company, Membership.role)
        .join(Membership, Membership.company_id == Company.id)
        .where(Membership.user_id == user.id)
        .order_by(Company.name)
    )
    return [(company, role) for company, role in rows]


def members(company: Company) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.company_id == company.id)
            .options(sa.orm.joinedload(Membership.user))
            .order_by(Membership.role, Membership.id)
        )
    )


def add_member(company: Company, user: User, role: Role) -> Membership:
    existing = db.session.scalar(
        sa.select(Membership).where(Membership.company_id == company.id, Membership.user_id == user.id)
    )
    if existing is not None:
        raise MembershipError(N_("%(name)s is a member already (%(role)s)."), name=user.name, role=existing.role.label)
    membership = Membership(company_id=company.id, user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    events.member_joined.send(membership)
    return membership


def _owner_count(company: Company) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).where(Membership.company_id == company.id, Membership.role == Role.OWNER)
    ).scalar_one()


def change_role(membership: Membership, role: Role) -> None:
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.company) == 1:
        raise MembershipError(N_("A company needs at least one owner."))
    membership.role = role


def remove_member(membership: Membership) -> None:
    if membership.role == Role.OWNER and _owner_count(membership.company) == 1:
        raise MembershipError(N_("A company needs at least one owner."))
    db.session.delete(membership)
    db.session.flush()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(company: Company, email: str, role: Role, invited_by: User) -> tuple[Invitation, str]:
    """A new invitation and its secret token (only its hash is stored). The only way into a company: whoever
    has an account with the address is told (``member_invited``) and joins by accepting, never at once; the
    owner is answered alike whether the address has an account or not. A new invitation to the same address
    replaces the one still waiting."""
    email = normalise_email(email)
    user = find_by_email(email)
    if user is not None and db.session.scalar(
        sa.select(Membership.id).where(Membership.company_id == company.id, Membership.user_id == user.id)
    ):
        raise MembershipError(N_("%(email)s is a member already."), email=email)  # the owner sees the members
    db.session.execute(sa.delete(Invitation).where(Invitation.company_id == company.id, Invitation.email == email,
                                                   Invitation.accepted_at.is_(None)))
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        company_id=company.id,
        email=email,
        role=role,
        token_hash=_hash_token(token),
        invited_by=invited_by,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    events.member_invited.send(invitation, user=user)
    return invitation, token


def pending_invitations(company: Company) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation).where(Invitation.company_id == company.id, _pending())
            .order_by(Invitation.created_at.desc())
        )
    )


def _pending(now: datetime | None = None):
    return sa.and_(Invitation.accepted_at.is_(None), Invitation.expires_at > (now or utcnow()))


def invitations_for(user: User) -> list[Invitation]:
    """The invitations waiting for the user's address, newest first."""
    return list(db.session.scalars(
        sa.select(Invitation).where(Invitation.email == normalise_email(user.email), _pending())
        .options(sa.orm.joinedload(Invitation.company)).order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def invitation_of(user: User, invitation_id: int) -> Invitation | None:
    """The user's own waiting invitation with this id; None for anyone else's (not there for this user)."""
    return db.session.scalar(sa.select(Invitation).where(
        Invitation.id == invitation_id, Invitation.email == normalise_email(user.email), _pending()))


def find_invitation(token: str) -> Invitation | None:
    return db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _hash_token(token)))


def accept_invitation(invitation: Invitation, user: User, now: datetime | None = None) -> Membership:
    now = now or utcnow()
    if invitation.accepted_at is not None:
        raise MembershipError(N_("This invitation has been used already."))
    if invitation.expires_at <= now:
        raise MembershipError(N_("This invitation has expired; ask for a new one."))
    if normalise_email(user.email) != invitation.email:
        raise MembershipError(N_("This invitation is for %(email)s; log in with that address."), email=invitation.email)
    membership = add_member(invitation.company, user, invitation.role)
    invitation.accepted_at = now
    return membership


def decline_invitation(invitation: Invitation, user: User) -> None:
    """The invitation goes (from the owner's "waiting" list too); the owner may invite again."""
    if invitation.accepted_at is not None:
        raise MembershipError(N_("This invitation has been used already."))
    if normalise_email(user.email) != invitation.email:
        raise MembershipError(N_("This invitation is for %(email)s; log in with that address."), email=invitation.email)
    db.session.delete(invitation)
    db.session.flush()
