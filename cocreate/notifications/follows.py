"""Who follows what: ideas and products. Services flush; the caller commits."""

from __future__ import annotations

import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.companies.models import Membership
from cocreate.database import insert
from cocreate.extensions import db, utcnow
from cocreate.ideas.models import Idea
from cocreate.notifications.models import Subscription
from cocreate.products.models import Product, ProductAccess, Visibility


def _upsert(user_id: int, *, idea_id: int | None = None, product_id: int | None = None, active: bool,
            overwrite: bool) -> None:
    now = utcnow()
    db.session.execute(_upsert_statement(idea_id is not None, overwrite),
                       {"user": user_id, "idea": idea_id, "product": product_id, "active": active, "now": now})


# The follow's INSERT … ON CONFLICT, built once per database, target and kind (every vote and comment runs one;
# building it cost more than running it).
_UPSERTS: dict[tuple[str, bool, bool], sa.Insert] = {}


def _upsert_statement(of_idea: bool, overwrite: bool) -> sa.Insert:
    key = (db.session.get_bind().dialect.name, of_idea, overwrite)
    if key not in _UPSERTS:
        table = Subscription.__table__
        now = sa.bindparam("now", type_=table.c.created_at.type)
        active = sa.bindparam("active", type_=sa.Boolean)
        stmt = insert(table).values(user_id=sa.bindparam("user"), idea_id=sa.bindparam("idea"),
                                    product_id=sa.bindparam("product"), active=active, created_at=now,
                                    updated_at=now)
        index = ["user_id", "idea_id" if of_idea else "product_id"]
        _UPSERTS[key] = (stmt.on_conflict_do_update(index_elements=index, set_={"active": active, "updated_at": now})
                         if overwrite else stmt.on_conflict_do_nothing(index_elements=index))
    return _UPSERTS[key]


def auto_follow(user: User | None, idea: Idea) -> None:
    """Authors, voters and commenters follow the idea, unless they unfollowed it explicitly before."""
    if user is not None and user.id is not None:
        _upsert(user.id, idea_id=idea.id, active=True, overwrite=False)


def follow(user: User, *, idea: Idea | None = None, product: Product | None = None) -> None:
    _set_following(user, idea, product, True)


def unfollow(user: User, *, idea: Idea | None = None, product: Product | None = None) -> None:
    """Stored as an inactive row, so later votes and comments do not follow again."""
    _set_following(user, idea, product, False)


def _set_following(user: User, idea: Idea | None, product: Product | None, active: bool) -> None:
    if idea is not None and product is None:
        _upsert(user.id, idea_id=idea.id, active=active, overwrite=True)
    elif product is not None and idea is None:
        _upsert(user.id, product_id=product.id, active=active, overwrite=True)
    else:
        raise ValueError("follow exactly one idea or one product")


def is_following(user, *, idea: Idea | None = None, product: Product | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if idea is not None:
        target = Subscription.idea_id == idea.id
    elif product is not None:
        target = Subscription.product_id == product.id
    else:
        raise ValueError("name an idea or a product")
    return bool(db.session.scalar(sa.select(Subscription.active).where(Subscription.user_id == user.id, target)))


def followers(idea: Idea) -> list[User]:
    """Who follows the idea: its own followers and its product's, minus those who unfollowed the idea."""
    of_idea = sa.select(Subscription.user_id).where(Subscription.idea_id == idea.id, Subscription.active)
    of_product = sa.select(Subscription.user_id).where(Subscription.product_id == idea.product_id,
                                                       Subscription.active)
    opted_out = sa.select(Subscription.user_id).where(Subscription.idea_id == idea.id, ~Subscription.active)
    query = sa.select(User).where(sa.or_(User.id.in_(of_idea), User.id.in_(of_product)), User.id.not_in(opted_out))
    product = idea.product
    if product.visibility != Visibility.PUBLIC:
        # A private product: only who may still see it hears about it (an uninvited customer or a former
        # member keeps the subscription row, but no longer gets its news).
        members = sa.select(Membership.user_id).where(Membership.company_id == product.company_id)
        invited = sa.select(ProductAccess.user_id).where(ProductAccess.product_id == product.id)
        query = query.where(sa.or_(User.id.in_(members), User.id.in_(invited)))
    return list(db.session.scalars(query.order_by(User.id)))
