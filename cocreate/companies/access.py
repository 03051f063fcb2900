"""Who may do what: the one place every route asks.

Roles belong to a company membership. Anyone signed in without a membership is a customer
of the community. Routes call `require(action, company)`; templates call `can(action, company)`.
"""

import sqlalchemy as sa
from flask import abort, g, has_app_context
from flask_login import current_user

from cocreate.auth.models import User
from cocreate.companies.models import Company, Membership, Role
from cocreate.extensions import db, login_manager

PERMISSIONS: dict[str, frozenset[Role]] = {
    "company.manage": frozenset({Role.OWNER}),           # members, invitations, thresholds
    "company.view": frozenset(Role),                     # the company's member pages
    "product.manage": frozenset({Role.OWNER, Role.PRODUCT}),  # products, versions, touchpoints
    "idea.moderate": frozenset({Role.OWNER, Role.PRODUCT}),   # statuses, merges, official answers
    "ambassadors.manage": frozenset({Role.OWNER, Role.MARKETING}),
}


def roles_of(user, company_id: int) -> Role | None:
    """The user's role in the company, memoised for the request (all of them at once for the signed-in user:
    `remember_roles`)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = g.setdefault("_roles", {})
    key = (user.id, company_id)
    if key not in cache:
        if g.get("_all_roles_of") == user.id:  # every membership of theirs is in the cache: none here
            return None
        cache[key] = db.session.scalar(
            sa.select(Membership.role).where(Membership.user_id == user.id, Membership.company_id == company_id)
        )
    return cache[key]


def remember_roles(user, roles: dict[int, Role]) -> None:
    """Every role of `user` by company id, loaded with the user in one query (auth's user loader), so no page asks
    the database for a role again in this request."""
    g._roles = {(user.id, company_id): role for company_id, role in roles.items()}
    g._all_roles_of = user.id


@sa.event.listens_for(Membership, "after_insert")
@sa.event.listens_for(Membership, "after_update")
@sa.event.listens_for(Membership, "after_delete")
def _forget_roles(_mapper, _connection, _membership) -> None:
    """A membership written in this request (joining, a new role, leaving): ask the database again."""
    if has_app_context():
        g.pop("_roles", None)
        g.pop("_all_roles_of", None)


def can(action: str, company: Company | int, user=None) -> bool:
    user = current_user if user is None else user
    company_id = company if isinstance(company, int) else company.id
    role = roles_of(user, company_id)
    return role is not None and role in PERMISSIONS[action]


def holders(action: str, company: Company | int) -> list[User]:
    """The company's members whose role allows ``action`` (whom to tell of what they must act on), by id."""
    company_id = company if isinstance(company, int) else company.id
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.company_id == company_id, Membership.role.in_(PERMISSIONS[action])).order_by(User.id)))


def require(action: str, company: Company | int) -> None:
    """Anonymous: off to log in (HX-Redirect for htmx). Signed in without the role: 403."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not can(action, company):
        abort(403)
