"""What a product's Atom feed shows: its newest ideas, shipped ideas and released versions, newest first."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from cocreate.extensions import db
from cocreate.i18n import _
from cocreate.ideas.models import Idea, Status
from cocreate.products.models import Product, Version

PER_KIND = 20


@dataclass(frozen=True)
class Entry:
    kind: str  # "idea", "shipped" or "version"
    key: str  # stable part of the entry's id
    title: str
    updated: datetime
    path: str
    html: str
    author: str | None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def entries(product: Product, today: date, limit: int = 50) -> list[Entry]:
    """Three bounded queries, whatever the number of ideas and versions."""
    new = db.session.scalars(
        sa.select(Idea).where(Idea.product_id == product.id, Idea.status != Status.MERGED)
        .options(joinedload(Idea.author)).order_by(Idea.created_at.desc(), Idea.id.desc()).limit(PER_KIND)
    ).all()
    shipped = db.session.scalars(
        sa.select(Idea).where(Idea.product_id == product.id, Idea.status == Status.SHIPPED,
                              Idea.shipped_on.is_not(None))
        .options(joinedload(Idea.shipped_version)).order_by(Idea.shipped_on.desc(), Idea.id.desc()).limit(PER_KIND)
    ).all()
    versions = db.session.scalars(
        sa.select(Version).where(Version.product_id == product.id, Version.released_on <= today)
        .order_by(Version.released_on.desc(), Version.id.desc()).limit(PER_KIND)
    ).all()
    base = f"/p/{product.slug}"
    # Entry titles are read by people: in the request's language (the feed's structure stays as it is).
    found = [Entry("idea", f"idea/{i.id}", _("New idea: %(title)s", title=i.title), i.created_at,
                   f"{base}/ideas/{i.id}", i.description_html, i.author.name if i.author else None) for i in new]
    found += [Entry("shipped", f"idea/{i.id}/shipped",
                    _("Shipped in %(version)s: %(title)s", version=i.shipped_version.label, title=i.title)
                    if i.shipped_version else _("Shipped: %(title)s", title=i.title),
                    _midnight(i.shipped_on), f"{base}/ideas/{i.id}", i.description_html, None)
              for i in shipped if i.shipped_on is not None]  # all of them, by the WHERE
    found += [Entry("version", f"version/{v.id}", _("%(product)s %(version)s released", product=product.name,
                                                     version=v.label), _midnight(v.released_on),
                    f"{base}/versions/{v.id}", v.notes_html, None) for v in versions]
    found.sort(key=lambda e: (e.updated, e.key), reverse=True)
    return found[:limit]
