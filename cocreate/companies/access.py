"""Who may do what: the one place every route asks.

Roles belong to a company membership. Anyone signed in without a membership is a customer
of the community. Routes call `require(action, company)`; templates call `can(action, company)`.
"""

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

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
    """The user's role in the company, memoised for the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = g.setdefault("_roles", {})
    key = (user.id, company_id)
    if key not in cache:
        cache[key] = db.session.scalar(
            sa.select(Membership.role).where(Membership.user_id == user.id, Membership.company_id == company_id)
        )
    return cache[key]


def can(action: str, company: Company | int, user=None) -> bool:
    user = current_user if user is None else user
    company_id = company if isinstance(company, int) else company.id
    role = roles_of(user, company_id)
    return role is not None and role in PERMISSIONS[action]


def require(action: str, company: Company | int) -> None:
    """Anonymous: off to log in (HX-Redirect for htmx). Signed in without the role: 403."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not can(action, company):
        abort(403)
