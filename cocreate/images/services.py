"""Adding, listing, serving and removing images.

An upload is checked cheaply in the request (size, what the bytes are, the declared pixels: `inspect`), kept
as it came in a private quarantine folder, and its row committed as PROCESSING; the worker (`process_waiting`,
the task `images.tasks.process_image`) decodes, scrubs and re-encodes it, writes the files, and only then marks
the row READY. Pages show READY images only, so a task that fails or a worker that is killed leaves no broken
picture anywhere: the row waits as "processing" on the item's image page, the sweep hands it to a worker again,
and after MAX_ATTEMPTS it is REFUSED with a message. Decoding a large picture (up to 0.6 s and 165 MB) never
holds a page worker.

Files are written before the row says they exist and removed after the row is gone, so a failure leaves at
worst an unreferenced file (`flask images prune` sweeps those); serving a missing file is a 404."""

import logging
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from cocreate import tasks
from cocreate.companies.access import can
from cocreate.extensions import db, utcnow
from cocreate.i18n import _, ngettext
from cocreate.ideas.models import Idea
from cocreate.ideas.services import can_edit
from cocreate.images.models import Image, ImageState
from cocreate.images.processing import NOT_AN_IMAGE, TOO_MANY_PIXELS, ImageRefused, Processed, inspect, process
from cocreate.products.models import Product, Version
from cocreate.refusal import N_

log = logging.getLogger(__name__)

MAX_PER_ITEM = 8
MAX_ATTEMPTS = 3  # tries of the worker (a killed worker's included) before an upload is refused
READY = Image.state == ImageState.READY


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


def path_of(image: Image, fmt: str | None = None, thumb: bool = False) -> Path:
    extension = "jpg" if (fmt or image.format) == "jpeg" else "png"
    return folder() / image.token[:2] / f"{image.token}{'.thumb' if thumb else ''}.{extension}"


def images_of(target: Target) -> list[Image]:
    """Every image of the target, processing and refused ones included (the image page lists them all)."""
    return list(db.session.scalars(sa.select(Image).where(target.where()).order_by(Image.id)))


def product_pictures(product: Product) -> dict:
    """The product's own images and each version's, in one query: {"product": [...], version_id: [...]}."""
    found: dict = defaultdict(list)
    for image in db.session.scalars(sa.select(Image).where(Image.product_id == product.id, Image.idea_id.is_(None),
                                                           READY).order_by(Image.id)):
        found[image.version_id or "product"].append(image)
    return found


def product_covers(products) -> dict:
    """{product id: its first own image, or None} for a list of products, in one query."""
    ids = [p.id for p in products]
    covers: dict = dict.fromkeys(ids)
    first = (sa.select(sa.func.min(Image.id)).where(Image.product_id.in_(ids), Image.version_id.is_(None),
                                                    Image.idea_id.is_(None), READY).group_by(Image.product_id))
    for image in db.session.scalars(sa.select(Image).where(Image.id.in_(first))) if ids else ():
        covers[image.product_id] = image
    return covers


def idea_pictures(idea: Idea) -> list[Image]:
    return [image for image in images_of(Target(idea.product, idea=idea)) if image.ready]


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


def quarantine_path(image: Image) -> Path:
    """Where an upload waits for the worker, as it came: private, never served."""
    return folder().parent / "quarantine" / image.token


def add(target: Target, user, data: bytes, alt: str = "") -> Image:
    """Check `data` cheaply, keep it for the worker and flush a PROCESSING row; the caller commits (the task is
    queued once the commit happens) or rolls back (discard the quarantined file with discard())."""
    count = db.session.execute(sa.select(sa.func.count()).select_from(Image)
                               .where(target.where(), Image.state != ImageState.REFUSED)).scalar_one()
    if count >= MAX_PER_ITEM:
        raise ImageRefused(FULL, max=MAX_PER_ITEM)
    inspect(data, max_pixels=current_app.config["IMAGE_MAX_PIXELS"])
    image = Image(product_id=target.product.id, version_id=target.version.id if target.version else None,
                  idea_id=target.idea.id if target.idea else None, uploaded_by_id=user.id, alt=alt.strip()[:200],
                  state=ImageState.PROCESSING)
    db.session.add(image)
    db.session.flush()
    _write(quarantine_path(image), data)
    from cocreate.images.tasks import process_image

    tasks.enqueue_after_commit(process_image, image.id)
    return image


def add_now(target: Target, user, data: bytes, alt: str = "") -> Image:
    """Process `data` in this process and flush a READY row: for the demo's own pictures (`flask seed-demo`),
    never for uploads."""
    processed = process(data, max_pixels=current_app.config["IMAGE_MAX_PIXELS"])
    image = Image(product_id=target.product.id, version_id=target.version.id if target.version else None,
                  idea_id=target.idea.id if target.idea else None, uploaded_by_id=user.id, alt=alt.strip()[:200])
    db.session.add(image)
    db.session.flush()
    _store(image, processed)
    return image


def _store(image: Image, processed: Processed) -> None:
    """Write the re-encoded files, then mark the row READY (flushed by the caller's commit)."""
    _write(path_of(image, processed.format), processed.full)
    _write(path_of(image, processed.format, thumb=True), processed.thumb)
    image.format, image.bytes = processed.format, len(processed.full)
    image.width, image.height = processed.width, processed.height
    image.thumb_width, image.thumb_height = processed.thumb_width, processed.thumb_height
    image.state, image.claimed_until = ImageState.READY, None


# Why an upload was refused after it was queued: the sentence the image page shows for each `problem`.
PROBLEMS = {"unreadable": NOT_AN_IMAGE, "too-large": TOO_MANY_PIXELS,
            "failed": N_("We could not process this image. Remove it and upload it again, perhaps as a JPEG.")}


def problem_text(image: Image) -> str:
    megapixels = current_app.config["IMAGE_MAX_PIXELS"] // 1_000_000
    from cocreate.images.processing import MAX_SIDE

    return _(PROBLEMS.get(image.problem or "failed", PROBLEMS["failed"]), megapixels=megapixels, side=MAX_SIDE)


def _refuse(image: Image, problem: str) -> None:
    image.state, image.problem, image.claimed_until = ImageState.REFUSED, problem, None
    db.session.commit()
    quarantine_path(image).unlink(missing_ok=True)


def process_waiting(image_id: int) -> str:
    """The worker's part: decode, scrub and re-encode a PROCESSING upload, write its files, then mark it READY.
    Safe to run twice at once and after a killed run (the row is claimed; files are written atomically).
    Returns what happened ("ready", "refused", "skipped"); an unexpected error is raised (the sweep retries)."""
    if not tasks.claim(Image.__table__, image_id, Image.state == ImageState.PROCESSING):
        return "skipped"
    image = db.session.get(Image, image_id)
    if image is None:
        return "skipped"
    image.attempts += 1
    db.session.commit()  # counted before the work: a worker killed in the middle counts too
    if image.attempts > MAX_ATTEMPTS:
        log.warning("image %s refused after %s attempts", image.token, MAX_ATTEMPTS)
        _refuse(image, "failed")
        return "refused"
    try:
        data = quarantine_path(image).read_bytes()
    except FileNotFoundError:
        _refuse(image, "failed")
        return "refused"
    try:
        processed: Processed = process(data, max_pixels=current_app.config["IMAGE_MAX_PIXELS"])
    except ImageRefused as refusal:
        _refuse(image, "too-large" if refusal.message == TOO_MANY_PIXELS else "unreadable")
        return "refused"
    _store(image, processed)
    db.session.commit()  # the files exist before any page may show them
    quarantine_path(image).unlink(missing_ok=True)
    return "ready"


def lost(now=None, grace: timedelta = tasks.SWEEP_GRACE) -> list[int]:
    """Uploads still PROCESSING a while after they came, that no worker holds: their task was lost (a killed
    worker, a broker that was down). The sweep hands them to a worker again; each try counts toward MAX_ATTEMPTS."""
    now = now or utcnow()
    return list(db.session.scalars(sa.select(Image.id).where(
        Image.state == ImageState.PROCESSING, Image.created_at < now - grace,
        sa.or_(Image.claimed_until.is_(None), Image.claimed_until < now)).order_by(Image.id)))


def paths_of(image: Image) -> tuple[Path, ...]:
    if image.format is None:  # never processed: only the upload as it came
        return (quarantine_path(image),)
    return path_of(image), path_of(image, thumb=True), quarantine_path(image)


def discard(paths: tuple[Path, ...]) -> None:
    """Remove the files of an image whose row is gone (deleted, or never committed)."""
    for path in paths:
        path.unlink(missing_ok=True)


def prune() -> int:
    """Delete files no row refers to (left by deleted products and ideas, or failed commits)."""
    known = set(db.session.scalars(sa.select(Image.token)))
    waiting = set(db.session.scalars(sa.select(Image.token).where(Image.state == ImageState.PROCESSING)))
    removed = 0
    stored = folder().glob("*/*") if folder().exists() else ()
    quarantined = quarantine_path(Image(token="0" * 32)).parent
    for path in [*stored, *(quarantined.iterdir() if quarantined.exists() else ())]:
        keep = waiting if path.parent == quarantined else known  # an upload waits only while it is processed
        if path.name.split(".", 1)[0] not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def size_hint() -> str:
    mb = current_app.config["IMAGE_MAX_BYTES"] // (1024 * 1024)
    return ngettext("JPEG, PNG, GIF or WebP, up to %(num)d MB.", "JPEG, PNG, GIF or WebP, up to %(num)d MB.", mb)
