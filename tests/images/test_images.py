"""Images on products, versions and ideas: checked by content, re-encoded, capped, stored under the upload
folder with random names, served only to who may see the product, with headers that keep them images."""

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image as PILImage

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.images.models import Image
from cocreate.images.services import path_of
from cocreate.products.models import Visibility
from tests import factories
from tests.conftest import login
from tests.taskqueue import run_queued


def picture(size=(800, 600), mode="RGB", fmt="JPEG", color="teal", **save) -> bytes:
    out = io.BytesIO()
    PILImage.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = PILImage.new("RGB", (3000, 2000), "orange")
    exif = image.getexif()
    exif[0x010F] = "SpyCam"  # Make
    gps = exif.get_ifd(0x8825)
    gps[2] = (52.0, 22.0, 0.0)  # GPSLatitude: where the photo was taken
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny file whose header claims width × height pixels: the decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
            + chunk(b"IEND", b""))


@pytest.fixture
def product():
    return factories.ProductFactory()


@pytest.fixture
def team(client, product):
    user = factories.member(product.company, Role.PRODUCT)
    login(client, user)
    return user


def upload(client, url: str, data: bytes, filename="photo.jpg", alt="The home screen", content_type="image/jpeg",
           worker: bool = True):
    """Upload, then (unless `worker` is False) let the worker do what it would: process the queued image."""
    response = client.post(url, data={"image": (io.BytesIO(data), filename, content_type), "alt": alt},
                           content_type="multipart/form-data")
    if worker:
        run_queued()
    return response


def fetch(client, url: str, **kwargs):
    """GET an image and close the response: send_file's open file is released at once."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def stored(product) -> list[Image]:
    return list(db.session.scalars(sa.select(Image).where(Image.product_id == product.id).order_by(Image.id)))


def files(app) -> list[Path]:
    return sorted(p for p in (Path(app.config["UPLOAD_FOLDER"]) / "images").glob("*/*") if p.is_file())


@pytest.fixture(autouse=True)
def _empty_upload_folder(app):
    """Other tests (the security world) store images too: each test here starts and ends with none."""
    for path in files(app):
        path.unlink()
    yield
    for path in files(app):
        path.unlink()


def test_team_adds_a_photo_it_is_re_encoded_without_metadata_and_shown_on_the_product(app, client, team, product):
    response = upload(client, f"/p/{product.slug}/images", jpeg_with_gps(), filename="../../etc/passwd.jpg")
    assert response.status_code == 303
    [image] = stored(product)
    assert re.fullmatch(r"[0-9a-f]{32}", image.token) and image.alt == "The home screen"
    assert (image.width, image.height) == (2400, 1600)  # scaled into 2400 × 2400
    full, thumb = path_of(image), path_of(image, thumb=True)
    assert full.is_file() and thumb.is_file() and files(app) == sorted([full, thumb])
    assert Path(app.config["UPLOAD_FOLDER"]) in full.parents and "static" not in full.parts
    assert "passwd" not in full.name
    with PILImage.open(full) as saved:
        assert saved.format == "JPEG" and saved.size == (2400, 1600)
        assert not saved.getexif() and "exif" not in saved.info  # no camera, no GPS position
    with PILImage.open(thumb) as small:
        assert max(small.size) == 640

    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f'src="/images/{image.token}/thumb"' in page and 'alt="The home screen"' in page


@pytest.mark.parametrize(("data", "filename", "content_type"), [
    (b"<?php system($_GET['c']); ?>", "evil.png", "image/png"),  # a fake PNG: name and type lie
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "image/svg+xml"),
    (b"%PDF-1.4 not a picture", "scan.jpg", "image/jpeg"),
    (picture()[:400], "cut.jpg", "image/jpeg"),  # a truncated JPEG
    (picture(size=(100, 100), fmt="BMP"), "old.bmp", "image/bmp"),  # a real image, but not a format we take
])
def test_anything_but_a_real_image_is_refused_with_a_message_and_the_description_is_kept(
        app, client, team, product, data, filename, content_type):
    response = upload(client, f"/p/{product.slug}/images", data, filename=filename, alt="Kept text",
                      content_type=content_type)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not an image we can read" in page
    assert 'value="Kept text"' in page
    assert stored(product) == [] and files(app) == []


@pytest.mark.parametrize("size", [(50_000, 50_000), (8_000, 6_000), (13_000, 100)])
def test_decompression_bombs_and_oversized_images_are_refused_before_decoding(app, client, team, product, size):
    response = upload(client, f"/p/{product.slug}/images", png_declaring(*size), filename="bomb.png")
    assert response.status_code == 400
    assert "That image is too large" in response.get_data(as_text=True)
    assert stored(product) == [] and files(app) == []


def test_a_real_compressed_bomb_is_refused(app, client, team, product):
    bomb = picture(size=(12_000, 4_000), mode="1", fmt="PNG", color=0)  # 48 megapixels in a few kB
    assert len(bomb) < 100_000
    response = upload(client, f"/p/{product.slug}/images", bomb, filename="bomb.png")
    assert response.status_code == 400 and stored(product) == []


def test_a_polyglot_keeps_its_picture_and_loses_its_payload(app, client, team, product):
    polyglot = picture(fmt="GIF", size=(40, 40)) + b"<script>alert(document.cookie)</script><html>"
    assert upload(client, f"/p/{product.slug}/images", polyglot, filename="x.gif.html").status_code == 303
    [image] = stored(product)
    content = path_of(image).read_bytes()
    assert b"<script" not in content and b"<html" not in content
    assert content.startswith(b"\xff\xd8")  # a JPEG we wrote, not the GIF we were sent


def test_transparency_is_kept_as_png(app, client, team, product):
    assert upload(client, f"/p/{product.slug}/images", picture(mode="RGBA", fmt="PNG", color=(0, 0, 0, 0)),
                  filename="logo.png").status_code == 303
    [image] = stored(product)
    response = fetch(client, f"/images/{image.token}")
    assert response.headers["Content-Type"] == "image/png"
    with PILImage.open(io.BytesIO(response.data)) as served:
        assert served.mode == "RGBA"


def test_served_images_carry_safe_headers_and_a_long_cache_when_public(client, team, product):
    upload(client, f"/p/{product.slug}/images", picture())
    [image] = stored(product)
    client.post("/logout")
    response = fetch(client, f"/images/{image.token}")
    assert response.status_code == 200
    headers = response.headers
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Content-Disposition"] == f'inline; filename="{image.token}.jpg"'
    assert "public" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    again = fetch(client, f"/images/{image.token}", headers={"If-None-Match": headers["ETag"]})
    assert again.status_code == 304
    assert fetch(client, f"/images/{image.token}/thumb").status_code == 200
    for bad in ("0" * 32, "../../config", image.token.upper(), image.token + "x"):
        assert fetch(client, f"/images/{bad}").status_code == 404


def test_images_of_a_private_product_are_hidden_from_outsiders(client, product):
    product.visibility = Visibility.PRIVATE
    db.session.commit()
    owner = factories.member(product.company, Role.OWNER)
    login(client, owner)
    upload(client, f"/p/{product.slug}/images", picture())
    [image] = stored(product)
    response = fetch(client, f"/images/{image.token}")
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    client.post("/logout")
    assert fetch(client, f"/images/{image.token}").status_code == 404
    login(client, factories.UserFactory())
    assert fetch(client, f"/images/{image.token}/thumb").status_code == 404


def test_size_limits_give_a_message_then_413(app, client, team, product):
    big = picture(size=(2000, 2000), fmt="PNG", color=None)  # noise-free but large enough
    app.config["IMAGE_MAX_BYTES"] = len(big) - 1
    try:
        response = upload(client, f"/p/{product.slug}/images", big, filename="big.png")
        assert response.status_code == 400
        assert "larger than" in response.get_data(as_text=True)
        response = upload(client, f"/p/{product.slug}/images", big + b"\0" * 70 * 1024, filename="big.png")
        assert response.status_code == 413
        assert "larger than we accept (0 MB)" in response.get_data(as_text=True)  # this route's own limit
    finally:
        app.config["IMAGE_MAX_BYTES"] = 10 * 1024 * 1024
    # Other forms keep the site-wide 2 MB limit: the larger allowance is for the upload routes only.
    response = client.post(f"/p/{product.slug}/edit", data={"name": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413 and "(2 MB)" in response.get_data(as_text=True)
    assert stored(product) == []


def test_a_missing_file_and_a_broken_multipart_body_are_clear_refusals(client, team, product):
    response = client.post(f"/p/{product.slug}/images", data={"alt": "no file"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose an image file" in response.get_data(as_text=True)
    response = client.post(f"/p/{product.slug}/images", data=b"--xx\r\nContent-Disposition: form-data; name=",
                           content_type="multipart/form-data; boundary=xx")
    assert response.status_code == 400
    assert stored(product) == []


def test_at_most_eight_images_per_item(client, team, product):
    for _ in range(8):
        assert upload(client, f"/p/{product.slug}/images", picture(size=(20, 20))).status_code == 303
    response = upload(client, f"/p/{product.slug}/images", picture(size=(20, 20)))
    assert response.status_code == 400 and "already has 8 images" in response.get_data(as_text=True)
    assert len(stored(product)) == 8


def test_version_images_show_in_the_timeline(client, team, product):
    version = factories.VersionFactory(product=product)
    assert upload(client, f"/p/{product.slug}/versions/{version.id}/images", picture(), alt="New menu").status_code \
        == 303
    [image] = stored(product)
    assert image.version_id == version.id and image.idea_id is None
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f"/images/{image.token}/thumb" in page and 'alt="New menu"' in page


def test_an_author_illustrates_their_idea_until_the_team_answers(client, product):
    author = factories.UserFactory()
    idea = factories.idea(product, author)
    login(client, author)
    assert upload(client, f"/p/{product.slug}/ideas/{idea.id}/images", picture(), alt="A sketch").status_code == 303
    [image] = stored(product)
    assert image.idea_id == idea.id and image.uploaded_by_id == author.id
    assert f"/images/{image.token}/thumb" in client.get(f"/p/{product.slug}/ideas/{idea.id}").get_data(as_text=True)
    # Another customer may look, not add or remove.
    client.post("/logout")
    login(client, factories.UserFactory())
    assert fetch(client, f"/images/{image.token}").status_code == 200
    assert upload(client, f"/p/{product.slug}/ideas/{idea.id}/images", picture()).status_code == 403
    assert client.post(f"/images/{image.token}/delete").status_code == 403
    # The author removes their own picture.
    client.post("/logout")
    login(client, author)
    assert client.post(f"/images/{image.token}/delete").status_code == 303
    assert stored(product) == []


def test_removing_an_image_removes_its_files(app, client, team, product):
    upload(client, f"/p/{product.slug}/images", picture())
    [image] = stored(product)
    full, token = path_of(image), image.token
    assert client.post(f"/images/{token}/delete").status_code == 303
    assert stored(product) == [] and not full.exists() and files(app) == []
    assert fetch(client, f"/images/{token}").status_code == 404


def test_prune_sweeps_files_left_by_a_deleted_product(app, client, team, product, runner):
    upload(client, f"/p/{product.slug}/images", picture())
    assert len(files(app)) == 2
    db.session.delete(db.session.merge(product))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Image)) == 0  # ON DELETE CASCADE
    result = runner.invoke(args=["images", "prune"])
    removed = re.search(r"(\d+) files removed", result.output)
    assert removed and int(removed.group(1)) >= 2 and files(app) == []  # and what earlier tests left behind


def test_the_first_product_image_is_the_cover_in_product_lists(client, team, product):
    version = factories.VersionFactory(product=product)
    upload(client, f"/p/{product.slug}/versions/{version.id}/images", picture(), alt="Version shot")
    other = factories.ProductFactory(company=product.company)
    for alt in ("Cover", "Second"):
        upload(client, f"/p/{product.slug}/images", picture(), alt=alt)
    version_image, cover, second = stored(product)
    for path in ("/", "/products", f"/c/{product.company.slug}"):
        page = client.get(path).get_data(as_text=True)
        assert f"/images/{cover.token}/thumb" in page, path
        assert second.token not in page and version_image.token not in page
        assert other.name in page  # a product without images still has its card
