"""Any bytes as an upload, and damaged real images of every accepted format: a 303 or a 400 with a message,
never a 500 (Pillow's decoders raise many kinds of exception on hostile files)."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from cocreate.companies.models import Role
from tests import factories
from tests.conftest import login
from tests.taskqueue import run_queued


def _sample(fmt: str) -> bytes:
    out = io.BytesIO()
    image = PILImage.new("RGBA" if fmt in ("PNG", "WEBP") else "RGB", (64, 48), (30, 120, 200, 180)[:4 if fmt in (
        "PNG", "WEBP") else 3])
    image.save(out, fmt)
    return out.getvalue()


SAMPLES = {fmt: _sample(fmt) for fmt in ("JPEG", "PNG", "GIF", "WEBP")}
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@st.composite
def damaged(draw) -> bytes:
    data = bytearray(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))])
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]
    return bytes(data)


@pytest.fixture
def upload_url(client, monkeypatch):
    monkeypatch.setattr("cocreate.images.services.MAX_PER_ITEM", 10_000)  # every example reaches the decoder
    product = factories.ProductFactory()
    login(client, factories.member(product.company, Role.PRODUCT))
    return f"/p/{product.slug}/images"


def _post(client, url: str, data: bytes) -> int:
    response = client.post(url, data={"image": (io.BytesIO(data), "x.png"), "alt": "fuzz"},
                           content_type="multipart/form-data")
    # What the request let through, the worker decodes: it ends ready or refused, never in an error.
    assert set(run_queued()) <= {"ready", "refused"}
    return response.status_code


@pytest.mark.property
@SETTINGS
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_break_the_upload(client, upload_url, data):
    assert _post(client, upload_url, data) in (303, 400)


@pytest.mark.property
@SETTINGS
@given(data=damaged())
def test_damaged_images_are_taken_or_refused_never_a_500(client, upload_url, data):
    assert _post(client, upload_url, data) in (303, 400)


def test_the_damaged_samples_reach_both_answers(client, upload_url):
    """The fuzzing above is only worth something if some damaged files pass and others are refused."""
    samples = [SAMPLES["PNG"][:40], SAMPLES["JPEG"], SAMPLES["GIF"][:-1], bytes(reversed(SAMPLES["WEBP"]))]
    answers = {_post(client, upload_url, data) for data in samples}
    assert answers == {303, 400}
