"""Adding, listing, serving and removing images. Files are written before the row is committed and removed
after the row is gone, so a failure leaves at worst an unreferenced file (`flask images prune` sweeps those),
never a row without its file being noticed: serving a missing file is a 404."""

import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from cocreate.companies.access import can
from cocreate.extensions import db
from cocreate.i18n import ngettext
from cocreate.ideas.models import Idea
from cocreate.ideas.services import can_edit
from cocreate.images.models import Image
from cocreate.images.processing import ImageRefused, Processed, process
from cocreate.products.models import Product, Version
from cocreate.refusal import N_

MAX_PER_ITEM = 8


@dataclass(frozen=True)
class Target:
    """What images are attached to: a product itself, one of its versions, or one of its ideas."""

    product: Product
    version: Version | None = None
    idea: Idea | None = None

    def where(self):
        return sa.and_(Image.product_id == self.product.id,
                       Image.version_id == self.version.id if self.version else Image.version_id.is_(None),
                       Image.idea_id == self.idea.id if self.idea else Image.idea_id.is_(None))


def target_of(image: Image) -> Target:
    return Target(image.product, db.session.get(Version, image.version_id) if image.version_id else None,
                  db.session.get(Idea, image.idea_id) if image.idea_id else None)


def folder() -> Path:
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    return Path(base) / "images"


def path_of(image: Image, thumb: bool = False) -> Path:
    return folder() / image.token[:2] / f"{image.token}{'.thumb' if thumb else ''}.{image.extension}"


def images_of(target: Target) -> list[Image]:
    return list(db.session.scalars(sa.select(Image).where(target.where()).order_by(Image.id)))


def product_pictures(product: Product) -> dict:
    """The product's own images and each version's, in one query: {"product": [...], version_id: [...]}."""
    found: dict = defaultdict(list)
    for image in db.session.scalars(sa.select(Image).where(Image.product_id == product.id, Image.idea_id.is_(None))
                                    .order_by(Image.id)):
        found[image.version_id or "product"].append(image)
    return found


def product_covers(products) -> dict:
    """{product id: its first own image, or None} for a list of products, in one query."""
    ids = [p.id for p in products]
    covers: dict = dict.fromkeys(ids)
    first = (sa.select(sa.func.min(Image.id)).where(Image.product_id.in_(ids), Image.version_id.is_(None),
                                                    Image.idea_id.is_(None)).group_by(Image.product_id))
    for image in db.session.scalars(sa.select(Image).where(Image.id.in_(first))) if ids else ():
        covers[image.product_id] = image
    return covers


def idea_pictures(idea: Idea) -> list[Image]:
    return images_of(Target(idea.product, idea=idea))


def can_manage(target: Target, user) -> bool:
    """Who adds images: the product team; for an idea, also its author while they may still edit it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if target.idea is not None:
        return can_edit(target.idea, user)
    return can("product.manage", target.product.company_id, user)


def can_delete(image: Image, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if can("product.manage", image.product.company_id, user):
        return True
    return image.uploaded_by_id == user.id and can_manage(target_of(image), user)


def _write(path: Path, data: bytes) -> None:
    """Atomically: a reader never sees half a file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


FULL = N_("This already has %(max)s images, the most it can have. Remove one first.")


def add(target: Target, user, data: bytes, alt: str = "") -> Image:
    """Check, re-encode and store `data`; the new row is flushed, the caller commits (or calls discard())."""
    count = db.session.execute(sa.select(sa.func.count()).select_from(Image).where(target.where())).scalar_one()
    if count >= MAX_PER_ITEM:
        raise ImageRefused(FULL, max=MAX_PER_ITEM)
    processed: Processed = process(data, max_pixels=current_app.config["IMAGE_MAX_PIXELS"])
    image = Image(product_id=target.product.id, version_id=target.version.id if target.version else None,
                  idea_id=target.idea.id if target.idea else None, uploaded_by_id=user.id, alt=alt.strip()[:200],
                  format=processed.format, width=processed.width, height=processed.height,
                  thumb_width=processed.thumb_width, thumb_height=processed.thumb_height, bytes=len(processed.full))
    db.session.add(image)
    db.session.flush()
    try:
        _write(path_of(image), processed.full)
        _write(path_of(image, thumb=True), processed.thumb)
    except OSError:
        discard(paths_of(image))
        raise
    return image


def paths_of(image: Image) -> tuple[Path, Path]:
    return path_of(image), path_of(image, thumb=True)


def discard(paths: tuple[Path, ...]) -> None:
    """Remove the files of an image whose row is gone (deleted, or never committed)."""
    for path in paths:
        path.unlink(missing_ok=True)


def prune() -> int:
    """Delete files no row refers to (left by deleted products and ideas, or failed commits)."""
    known = set(db.session.scalars(sa.select(Image.token)))
    removed = 0
    if not folder().exists():
        return 0
    for path in folder().glob("*/*"):
        if path.name.split(".", 1)[0] not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def size_hint() -> str:
    mb = current_app.config["IMAGE_MAX_BYTES"] // (1024 * 1024)
    return ngettext("JPEG, PNG, GIF or WebP, up to %(num)d MB.", "JPEG, PNG, GIF or WebP, up to %(num)d MB.", mb)
