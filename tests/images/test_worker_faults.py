"""A real `flask worker` killed (SIGKILL) while it decodes an upload: no page shows a broken picture, and the
next worker finishes the job. PostgreSQL and redis-server, as the other fault tests (tests/tasks/test_faults.py)."""

from __future__ import annotations

import io
import os
import signal
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image as PILImage

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.images import services
from cocreate.images.models import Image, ImageState
from cocreate.images.tasks import process_image
from tests import factories
from tests.conftest import login
from tests.tasks.test_faults import broker, pytestmark, wait_for, workers  # noqa: F401 - fixtures and markers


def heavy_png() -> bytes:
    """5000 × 5000 pixels in 90 kB: the worker needs half a second or more to decode and re-encode it."""
    out = io.BytesIO()
    PILImage.new("RGB", (5000, 5000), "teal").save(out, "PNG")
    return out.getvalue()


def row(image_id: int) -> Image:
    db.session.expire_all()
    return db.session.get(Image, image_id)


def test_a_worker_killed_while_decoding_shows_nothing_broken_and_the_next_one_finishes(
        app, client, workers, tmp_path, monkeypatch):  # noqa: F811 - the fixture imported above
    upload_folder = str(tmp_path / "uploads")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", upload_folder)
    product = factories.ProductFactory()
    login(client, factories.member(product.company, Role.PRODUCT))
    db.session.commit()
    [first] = workers(1, UPLOAD_FOLDER=upload_folder)

    response = client.post(f"/p/{product.slug}/images", data={"image": (io.BytesIO(heavy_png()), "noise.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    image_id = db.session.scalar(sa.select(Image.id).where(Image.product_id == product.id))
    wait_for(lambda: row(image_id).attempts == 1, "the worker to take the upload")
    os.kill(first.pid, signal.SIGKILL)  # in the middle of decoding
    first.wait()
    image = row(image_id)
    assert image.state == ImageState.PROCESSING, "the kill came too late to test anything"
    for path in (f"/p/{product.slug}", f"/images/{image.token}", f"/images/{image.token}/thumb"):
        answer = client.get(path)
        assert (image.token not in answer.get_data(as_text=True)) if path.startswith("/p/") else \
            answer.status_code == 404
        answer.close()
    assert "Processing…" in client.get(f"/p/{product.slug}/images").get_data(as_text=True)

    workers(1, UPLOAD_FOLDER=upload_folder)  # what the sweep does once the dead worker's lease (2 s) has ended:
    wait_for(lambda: services.lost(grace=timedelta(0)) == [image_id], "the dead worker's lease to end")
    process_image(image_id)
    wait_for(lambda: row(image_id).state == ImageState.READY, "the next worker to finish", timeout=60)
    image = row(image_id)
    assert image.attempts == 2 and (image.width, image.height) == (2400, 2400)
    shown = client.get(f"/images/{image.token}/thumb")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    shown.close()
