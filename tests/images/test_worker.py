"""Uploads are decoded by the worker, not in the request: the page shows "processing" until it is done, a file
that only decoding finds broken is refused with a message, and a task that fails or a worker that dies leaves
no broken picture anywhere (issue 15.7, what was left)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from cocreate import tasks
from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from cocreate.images import services
from cocreate.images.models import Image, ImageState
from cocreate.images.tasks import sweep_images
from tests import factories
from tests.conftest import login
from tests.images.test_images import fetch, files, picture, stored, upload
from tests.taskqueue import queued, run_queued


@pytest.fixture(autouse=True)
def _own_upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


@pytest.fixture
def product():
    return factories.ProductFactory()


@pytest.fixture
def team(client, product):
    user = factories.member(product.company, Role.PRODUCT)
    login(client, user)
    return user


def _quarantined(app) -> list:
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"]) / "quarantine"
    return sorted(folder.iterdir()) if folder.exists() else []


def assert_shown_nowhere(client, product, image: Image) -> None:
    """No page shows a picture for it, and its addresses are a plain 404, never a broken image."""
    for page in (f"/p/{product.slug}", "/products"):
        assert image.token not in client.get(page).get_data(as_text=True)
    assert fetch(client, f"/images/{image.token}").status_code == 404
    assert fetch(client, f"/images/{image.token}/thumb").status_code == 404


def test_the_request_decodes_nothing_and_the_page_says_processing_until_the_worker_is_done(
        app, client, team, product, monkeypatch):
    decoded = []
    real_process = services.process
    monkeypatch.setattr(services, "process", lambda *args, **kwargs: decoded.append(1) or real_process(*args, **kwargs))
    response = upload(client, f"/p/{product.slug}/images", picture(size=(3000, 2000)), worker=False)
    assert response.status_code == 303
    assert decoded == [], "the upload request must not decode the picture"
    assert queued() == ["cocreate.images.tasks.process_image"]
    [image] = stored(product)
    assert image.state == ImageState.PROCESSING and image.width is None
    assert len(_quarantined(app)) == 1 and files(app) == []
    assert_shown_nowhere(client, product, image)
    page = client.get(f"/p/{product.slug}/images").get_data(as_text=True)
    assert "Processing…" in page and 'hx-trigger="every 2s"' in page  # htmx asks again; a Reload link without it

    assert run_queued() == ["ready"] and decoded == [1]
    db.session.refresh(image)
    assert image.state == ImageState.READY and (image.width, image.height) == (2400, 1600)
    assert _quarantined(app) == [] and len(files(app)) == 2
    assert f'src="/images/{image.token}/thumb"' in client.get(f"/p/{product.slug}").get_data(as_text=True)
    fragment = client.get(f"/p/{product.slug}/images", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="image-list"') and "every 2s" not in fragment  # polling stops


def test_a_file_only_decoding_finds_broken_is_refused_with_a_message_on_the_image_page(app, client, team, product):
    broken = picture(size=(1600, 1200), color="navy")
    broken = broken[: len(broken) // 2]  # its header is whole: the cheap checks let it through
    assert upload(client, f"/p/{product.slug}/images", broken, alt="Half a photo", worker=False).status_code == 303
    assert run_queued() == ["refused"]
    [image] = stored(product)
    assert image.state == ImageState.REFUSED and image.problem == "unreadable"
    assert_shown_nowhere(client, product, image)
    assert _quarantined(app) == [] and files(app) == []
    page = client.get(f"/p/{product.slug}/images").get_data(as_text=True)
    assert "Not added: That file is not an image we can read." in page and "Half a photo" in page
    # A refused upload does not take one of the eight places, and its Remove button removes it.
    token, image_id = image.token, image.id
    for _ in range(services.MAX_PER_ITEM):
        assert upload(client, f"/p/{product.slug}/images", picture()).status_code == 303
    assert client.post(f"/images/{token}/delete").status_code == 303
    assert db.session.get(Image, image_id) is None


def _time_passes(image: Image) -> None:
    """The lease of the worker that took it has ended, and the sweep's grace too."""
    past = utcnow() - tasks.LEASE - tasks.SWEEP_GRACE - timedelta(seconds=1)
    db.session.execute(sa.update(Image).where(Image.id == image.id).values(claimed_until=past, created_at=past))
    db.session.commit()


def test_a_task_that_keeps_failing_shows_nothing_broken_and_ends_refused(app, client, team, product, monkeypatch):
    def crash(*args, **kwargs):
        raise MemoryError("the worker ran out of memory")

    monkeypatch.setattr(services, "process", crash)
    assert upload(client, f"/p/{product.slug}/images", picture(), worker=False).status_code == 303
    [image] = stored(product)
    assert run_queued() == [None]  # the task raised (Huey logs it)
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        db.session.refresh(image)
        assert image.state == ImageState.PROCESSING and image.attempts == attempt
        assert_shown_nowhere(client, product, image)
        assert "Processing…" in client.get(f"/p/{product.slug}/images").get_data(as_text=True)
        assert sweep_images.call_local() == 0  # leased to the worker that took it: nobody else takes it
        _time_passes(image)
        assert sweep_images.call_local() == 1  # then the sweep hands it to a worker again
        assert run_queued() == [None if attempt < services.MAX_ATTEMPTS else "refused"]
    db.session.refresh(image)
    assert image.state == ImageState.REFUSED and image.problem == "failed"
    assert _quarantined(app) == [] and files(app) == []
    assert_shown_nowhere(client, product, image)
    page = client.get(f"/p/{product.slug}/images").get_data(as_text=True)
    assert "Not added: We could not process this image." in page


def test_a_worker_killed_after_claiming_leaves_no_broken_image_and_the_sweep_finishes_the_job(
        app, client, team, product):
    assert upload(client, f"/p/{product.slug}/images", picture(), worker=False).status_code == 303
    [image] = stored(product)
    # The worker took the row and died before writing anything (kill -9): the task is gone from the queue.
    assert tasks.claim(Image.__table__, image.id, Image.state == ImageState.PROCESSING)
    from tests.taskqueue import clear

    clear()
    assert_shown_nowhere(client, product, image)
    assert sweep_images.call_local() == 0  # still leased to the dead worker
    _time_passes(image)
    assert sweep_images.call_local() == 1 and run_queued() == ["ready"]
    db.session.refresh(image)
    assert image.state == ImageState.READY
    assert fetch(client, f"/images/{image.token}").status_code == 200


def test_a_worker_killed_between_writing_the_files_and_committing_shows_nothing(app, client, team, product):
    """The files exist but the row still says processing: nothing serves them until a worker commits READY."""
    assert upload(client, f"/p/{product.slug}/images", picture(), worker=False).status_code == 303
    [image] = stored(product)
    processed = services.process(services.quarantine_path(image).read_bytes())
    services._write(services.path_of(image, processed.format), processed.full)
    services._write(services.path_of(image, processed.format, thumb=True), processed.thumb)
    db.session.rollback()
    assert len(files(app)) == 2
    assert_shown_nowhere(client, product, image)
    assert run_queued() == ["ready"]  # the task runs again: written anew (atomically), then shown
    assert fetch(client, f"/images/{image.token}/thumb").status_code == 200
