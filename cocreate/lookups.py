"""Look-ups from a URL with the visibility check: the one place every route (web and API) finds its objects.

A private product is a 404 to outsiders, the same answer as a product that does not exist, so
a URL does not tell who has what. The `…_or_404` functions abort(404); under /api that abort
becomes the API's JSON error (cocreate/errors.py), so the API uses the same functions, passing
its token's user where the web uses the signed-in one.
"""

import sqlalchemy as sa
from flask import abort, has_request_context, request
from sqlalchemy.orm import joinedload

from cocreate.companies.models import Company
from cocreate.extensions import db
from cocreate.ideas.models import Idea
from cocreate.products.models import SLUG_MAX_LENGTH, Product, Version  # a longer slug cannot exist: no query
from cocreate.products.services import can_view

# Built once (building a statement cost as much as running it): a product page looks its product up first.
PRODUCT_BY_SLUG = sa.select(Product).where(Product.slug == sa.bindparam("slug")).options(joinedload(Product.company))


def product_by_slug(slug: str) -> Product | None:
    """The product with this slug and its company, whoever may see it (callers check): read once per request, so
    the single sign-on check before a product's page and the page's own look-up share one query."""
    if len(slug) > SLUG_MAX_LENGTH or "\x00" in slug:
        return None
    if not has_request_context():
        return db.session.execute(PRODUCT_BY_SLUG, {"slug": slug}).scalar()
    read = request.environ.setdefault("cocreate.products_by_slug", {})  # this request's, not the app context's
    if slug not in read:
        read[slug] = db.session.execute(PRODUCT_BY_SLUG, {"slug": slug}).scalar()
    product = read[slug]
    if product is not None and sa.inspect(product).deleted:  # removed in this request: as if never found
        return None
    return product


def find_product(slug: str, user=None) -> Product | None:
    """The product, if `user` (default: the signed-in user) may see it; None when it is missing or private to them."""
    product = product_by_slug(slug)
    if product is None or not can_view(product, user):
        return None
    return product


def product_or_404(slug: str, user=None) -> Product:
    """The product, if `user` (default: the signed-in user) may see it; a private one is a 404 to outsiders."""
    product = find_product(slug, user)
    if product is None:
        abort(404)
    return product


def version_or_404(product: Product, version_id: int) -> Version:
    """A version of a product already looked up (and so already checked) with product_or_404."""
    version = db.get_or_404(Version, version_id)
    if version.product_id != product.id:
        abort(404)
    return version


def idea_or_404(product: Product, idea_id: int) -> Idea:
    """An idea of a product already looked up (and so already checked) with product_or_404."""
    idea = db.get_or_404(Idea, idea_id)
    if idea.product_id != product.id:
        abort(404)
    return idea


# Built once: the vote and the idea's page run it on every request.
PRODUCT_AND_IDEA = (sa.select(Product, Idea).join(Idea, Idea.product_id == Product.id)
                    .where(Product.slug == sa.bindparam("slug"), Idea.id == sa.bindparam("idea"))
                    .options(joinedload(Product.company)))


def product_and_idea_or_404(slug: str, idea_id: int, user=None) -> tuple[Product, Idea]:
    """`product_or_404` and `idea_or_404` in one query (the vote, the idea's page: the most frequent requests)."""
    if len(slug) > SLUG_MAX_LENGTH or "\x00" in slug:
        abort(404)
    found = db.session.execute(PRODUCT_AND_IDEA, {"slug": slug, "idea": idea_id}).first()
    if found is None or not can_view(found.Product, user):
        abort(404)
    return found.Product, found.Idea


def visible_idea_or_404(idea_id: int, user=None) -> Idea:
    """An idea by its id alone (the API's URLs carry no product), if `user` may see its product."""
    idea = db.session.get(Idea, idea_id, options=[joinedload(Idea.product)])
    if idea is None or not can_view(idea.product, user):
        abort(404)
    return idea


COMPANY_BY_SLUG = sa.select(Company).where(Company.slug == sa.bindparam("slug"))  # built once


def company_or_404(slug: str) -> Company:
    """Companies are public; what a visitor may do there is companies.access's question."""
    company = db.session.execute(COMPANY_BY_SLUG, {"slug": slug}).scalar()
    if company is None:
        abort(404)
    return company
