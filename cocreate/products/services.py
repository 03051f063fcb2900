"""Products and their prototype versions. Services flush; the caller commits."""

import secrets
from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from cocreate import events
from cocreate.auth.models import User
from cocreate.auth.services import find_by_email, normalise_email
from cocreate.companies.models import Company, Membership
from cocreate.companies.services import unique_slug
from cocreate.database import insert
from cocreate.extensions import db, utcnow
from cocreate.products.models import (
    DEFAULT_TOUCHPOINT_NAMES,
    DEFAULT_TOUCHPOINTS,
    SLUG_MAX_LENGTH,
    Product,
    ProductAccess,
    ProductInvitation,
    Touchpoint,
    Version,
    Visibility,
)
from cocreate.refusal import N_, Refused
from cocreate.text import render_markdown, slugify

# A private product's address ends in six random characters (about 10⁹ possibilities): product addresses are
# one namespace for all companies, so a readable private address could be confirmed by anyone who tries to give
# their own product the same address ("the address is taken"). See _checked_slug.
PRIVATE_ENDING_LENGTH = 6
_ENDING_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: it may be read out or typed


class ProductError(Refused):
    """A change that cannot be made; the message says why, in the page's language (only pages show it)."""


def _visible_clause(user):
    """Public products, plus private ones of the user's companies or to which the user was invited."""
    if not getattr(user, "is_authenticated", False):
        return Product.visibility == Visibility.PUBLIC
    member_of = sa.select(Membership.company_id).where(Membership.user_id == user.id)
    invited_to = sa.select(ProductAccess.product_id).where(ProductAccess.user_id == user.id)
    return sa.or_(
        Product.visibility == Visibility.PUBLIC,
        Product.company_id.in_(member_of),
        Product.id.in_(invited_to),
    )


def visible_query(user=None, company: Company | None = None) -> sa.Select:
    """The products ``user`` may see (of ``company``, when given), with their versions and company, unordered."""
    user = current_user if user is None else user
    query = (
        sa.select(Product)
        .where(_visible_clause(user))
        .options(selectinload(Product.versions), selectinload(Product.company))
    )
    if company is not None:
        query = query.where(Product.company_id == company.id)
    return query


def visible_products(user=None, company: Company | None = None) -> list[Product]:
    return list(db.session.scalars(visible_query(user, company).order_by(Product.name)))


def can_view(product: Product, user=None) -> bool:
    user = current_user if user is None else user
    if product.visibility == Visibility.PUBLIC:
        return True
    return db.session.scalar(sa.select(Product.id).where(Product.id == product.id, _visible_clause(user))) is not None


def viewers(product: Product, user_ids: Iterable[int]) -> set[int]:
    """Which of these users may see the product now: all of them for a public product (no query), else one
    query. For what is sent to people later (notifications, mail): access can be lost in between."""
    ids = set(user_ids)
    if product.visibility == Visibility.PUBLIC or not ids:
        return ids
    members = sa.select(Membership.user_id).where(Membership.company_id == product.company_id)
    invited = sa.select(ProductAccess.user_id).where(ProductAccess.product_id == product.id)
    return set(db.session.scalars(sa.select(User.id).where(User.id.in_(ids),
                                                           sa.or_(User.id.in_(members), User.id.in_(invited)))))


def create_product(company: Company, *, name: str, tagline: str = "", description: str = "",
                   visibility: Visibility = Visibility.PUBLIC, slug: str | None = None) -> Product:
    product = Product(company_id=company.id, company=company, name=name.strip(), tagline=tagline.strip(),
                      visibility=visibility)
    product.slug = _checked_slug(slug, name, private=visibility != Visibility.PUBLIC)
    set_description(product, description)
    for position, (tp_name, tp_description) in enumerate(DEFAULT_TOUCHPOINTS):
        product.touchpoints.append(Touchpoint(name=tp_name, description=tp_description, position=position,
                                              names=dict(DEFAULT_TOUCHPOINT_NAMES[tp_name])))
    db.session.add(product)
    db.session.flush()
    return product


def _slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = sa.select(Product.id).where(Product.slug == slug)
    if exclude_id is not None:
        query = query.where(Product.id != exclude_id)
    return db.session.scalar(query) is not None


def _private_slug(slug: str | None, name: str) -> str:
    """The chosen (or name-derived) address with a random ending: ``secret-launch-k3x9q2``."""
    base = (slug or slugify(name))[: SLUG_MAX_LENGTH - PRIVATE_ENDING_LENGTH - 1].strip("-") or "product"
    while True:
        candidate = f"{base}-{''.join(secrets.choice(_ENDING_ALPHABET) for _ in range(PRIVATE_ENDING_LENGTH))}"
        if not _slug_taken(candidate):
            return candidate


def _checked_slug(slug: str | None, name: str, *, private: bool, exclude_id: int | None = None,
                  current: str | None = None) -> str:
    """The address a product gets. An unchanged address stays. A private product's gets a random ending, so it
    never holds a readable address that another company could try and be told "is taken" (issue 15.11): only
    public products (and ones that were public before) hold readable addresses, which outsiders could see anyway.
    The team drops the ending by choosing a new address once the product is public."""
    if current is not None and slug == current:
        return slug
    if private:
        return _private_slug(slug, name)
    if not slug:
        return unique_slug(Product, name, exclude_id)
    if _slug_taken(slug, exclude_id):
        raise ProductError(N_("The address “%(slug)s” is taken; choose another."), slug=slug)
    return slug


def update_product(product: Product, *, name: str, slug: str, tagline: str, description: str,
                   visibility: Visibility) -> None:
    product.slug = _checked_slug(slug, name, private=visibility != Visibility.PUBLIC, exclude_id=product.id,
                                 current=product.slug)
    product.name = name.strip()
    product.tagline = tagline.strip()
    product.visibility = visibility
    set_description(product, description)


def set_description(product: Product, description: str) -> None:
    product.description = description
    product.description_html = render_markdown(description)


def add_version(product: Product, *, label: str, notes: str = "", released_on: date,
                demo_url: str | None = None) -> Version:
    label = label.strip()
    if db.session.scalar(sa.select(Version.id).where(Version.product_id == product.id, Version.label == label)):
        raise ProductError(N_("%(product)s has a version “%(label)s” already."), product=product.name, label=label)
    version = Version(product=product, label=label, released_on=released_on, demo_url=demo_url or None)
    set_notes(version, notes)
    db.session.add(version)
    _saved(version)
    return version


def update_version(version: Version, *, label: str, notes: str, released_on: date, demo_url: str | None) -> None:
    label = label.strip()
    clash = db.session.scalar(
        sa.select(Version.id).where(Version.product_id == version.product_id, Version.label == label,
                                    Version.id != version.id)
    )
    if clash:
        raise ProductError(N_("%(product)s has a version “%(label)s” already."),
                           product=version.product.name, label=label)
    version.label = label
    version.released_on = released_on
    version.demo_url = demo_url or None
    set_notes(version, notes)
    _saved(version)


def _saved(version: Version) -> None:
    db.session.flush()
    events.version_saved.send(version)
    release_if_due(version)  # a version dated today or earlier, or an edit that moved the date back


def release_if_due(version: Version) -> bool:
    """Announce ``version_released`` once, when the version's release day has come; True if it was now."""
    if not version.is_released or version.release_announced_at is not None:
        return False
    version.release_announced_at = utcnow()
    db.session.flush()
    events.version_released.send(version)
    return True


def release_due_versions() -> int:
    """Every version whose release day has come and that was not announced yet (the daily task)."""
    due = db.session.scalars(sa.select(Version).where(Version.released_on <= date.today(),
                                                      Version.release_announced_at.is_(None))).all()
    return sum(release_if_due(version) for version in due)


def set_notes(version: Version, notes: str) -> None:
    version.notes = notes
    version.notes_html = render_markdown(notes)


def grant_access(product: Product, user: User) -> ProductAccess:
    existing = db.session.scalar(
        sa.select(ProductAccess).where(ProductAccess.product_id == product.id, ProductAccess.user_id == user.id)
    )
    if existing is not None:
        raise ProductError(N_("%(name)s is invited already."), name=user.name)
    access = ProductAccess(product_id=product.id, user_id=user.id)
    db.session.add(access)
    db.session.flush()
    return access


def invited_customers(product: Product) -> list[ProductAccess]:
    return list(
        db.session.scalars(
            sa.select(ProductAccess)
            .where(ProductAccess.product_id == product.id)
            .options(selectinload(ProductAccess.user))
            .order_by(ProductAccess.id)
        )
    )


# --- Invitations to a private product ----------------------------------------------------------------------

CUSTOMER_INVITATION_LIFETIME = timedelta(days=30)


def invite_customer(product: Product, email: str, invited_by: User) -> ProductInvitation:
    """Invite an address to see the product. Nobody gets access without accepting; the team is answered alike
    whether the address has an account or not (whoever signs up with it later finds the invitation waiting).
    Inviting the same address again renews the invitation."""
    email = normalise_email(email)
    user = find_by_email(email)
    if user is not None and db.session.scalar(
        sa.select(ProductAccess.id).where(ProductAccess.product_id == product.id, ProductAccess.user_id == user.id)
    ):  # the team sees who has access (names and addresses): this tells it nothing new
        raise ProductError(N_("%(email)s can see %(product)s already."), email=email, product=product.name)
    now = utcnow()
    values = {"invited_by_id": invited_by.id, "created_at": now, "expires_at": now + CUSTOMER_INVITATION_LIFETIME}
    db.session.execute(insert(ProductInvitation.__table__).values(product_id=product.id, email=email, **values)
                       .on_conflict_do_update(index_elements=["product_id", "email"], set_=values))
    invitation = db.session.scalars(
        sa.select(ProductInvitation).where(ProductInvitation.product_id == product.id, ProductInvitation.email == email)
        .execution_options(populate_existing=True)).one()
    events.customer_invited.send(invitation, user=user)
    return invitation


def _waiting(now=None):
    return ProductInvitation.expires_at > (now or utcnow())


def pending_customer_invitations(product: Product) -> list[ProductInvitation]:
    return list(db.session.scalars(
        sa.select(ProductInvitation).where(ProductInvitation.product_id == product.id, _waiting())
        .order_by(ProductInvitation.created_at.desc(), ProductInvitation.id.desc())))


def customer_invitations_for(user: User) -> list[ProductInvitation]:
    """The invitations to private products waiting for the user's address, newest first."""
    return list(db.session.scalars(
        sa.select(ProductInvitation).where(ProductInvitation.email == normalise_email(user.email), _waiting())
        .options(selectinload(ProductInvitation.product).selectinload(Product.company))
        .order_by(ProductInvitation.created_at.desc(), ProductInvitation.id.desc())))


def customer_invitation_of(user: User, invitation_id: int) -> ProductInvitation | None:
    """The user's own waiting invitation with this id; None for anyone else's."""
    return db.session.scalar(sa.select(ProductInvitation).where(
        ProductInvitation.id == invitation_id, ProductInvitation.email == normalise_email(user.email), _waiting()))


def accept_customer_invitation(invitation: ProductInvitation, user: User) -> None:
    """The user may see the product from now on; the invitation has done its work and goes."""
    if normalise_email(user.email) != invitation.email:
        raise ProductError(N_("This invitation is for %(email)s; log in with that address."), email=invitation.email)
    db.session.execute(insert(ProductAccess.__table__).values(product_id=invitation.product_id, user_id=user.id,
                                                              created_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["product_id", "user_id"]))
    db.session.delete(invitation)
    db.session.flush()


def decline_customer_invitation(invitation: ProductInvitation, user: User) -> None:
    if normalise_email(user.email) != invitation.email:
        raise ProductError(N_("This invitation is for %(email)s; log in with that address."), email=invitation.email)
    db.session.delete(invitation)
    db.session.flush()
