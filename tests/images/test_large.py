"""Large pictures cost little (issue 15.7): at most 25 megapixels, a JPEG decoded scaled down by libjpeg, every
other step on at most 2400 × 2400 pixels. The 131 KB PNG of 6300 × 6300 that took 3.6 s and 300 MB is refused
before a pixel is decoded."""

import io

import pytest
from PIL import Image, ImageFile

from cocreate.images import processing
from cocreate.images.processing import FULL_BOX, ImageRefused, process


def encoded(size, fmt="PNG", mode="RGB", color="teal", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture
def decoded(monkeypatch):
    """The size of every picture Pillow decodes, as it decodes it."""
    sizes = []
    load = ImageFile.ImageFile.load

    def spy(self):
        if self.tile:
            sizes.append(self.size)
        return load(self)
    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return sizes


def test_the_cap_is_25_megapixels_here_and_in_the_settings(app):
    assert processing.MAX_PIXELS == app.config["IMAGE_MAX_PIXELS"] == 25_000_000
    assert Image.MAX_IMAGE_PIXELS == 25_000_000


def test_the_reported_6300_square_png_is_refused_without_decoding(decoded):
    data = encoded((6300, 6300), mode="1", color=0, optimize=True)  # 40 megapixels in a few kB
    assert len(data) < 150_000
    with pytest.raises(ImageRefused) as refused:
        process(data)
    assert refused.value.values["megapixels"] == 25
    assert decoded == []


def test_a_large_jpeg_is_decoded_scaled_down(decoded):
    processed = process(encoded((4800, 3200), fmt="JPEG", color="orange"))
    assert (processed.width, processed.height) == (2400, 1600)
    assert decoded == [(2400, 1600)]  # libjpeg's 1/2 scale, not 15 megapixels


def test_every_step_after_decoding_works_on_at_most_the_stored_size(monkeypatch):
    seen = []
    to_srgb = processing._to_srgb

    def spy(image, icc, mode):
        seen.append(image.size)
        return to_srgb(image, icc, mode)
    monkeypatch.setattr(processing, "_to_srgb", spy)
    for data in (encoded((5000, 3000)), encoded((3000, 5000), fmt="WEBP"), encoded((5000, 4000), fmt="JPEG"),
                 encoded((4000, 4000), mode="RGBA", color=(1, 2, 3, 4))):
        process(data)
    assert seen and all(max(size) <= FULL_BOX for size in seen), seen


def test_exif_orientation_is_still_applied_after_scaling_down():
    image = Image.new("RGB", (3000, 2000), "red")
    image.paste((0, 0, 255), (1500, 0, 3000, 2000))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show it rotated 90° clockwise
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    processed = process(out.getvalue())
    assert (processed.width, processed.height) == (1600, 2400)
    with Image.open(io.BytesIO(processed.full)) as stored:
        top, bottom = stored.getpixel((800, 300)), stored.getpixel((800, 2100))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]  # the left edge is now the top


@pytest.mark.parametrize("mode", ["L", "CMYK", "P", "LA", "I;16", "1"])
def test_every_mode_still_comes_out_rgb_or_rgba(mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    processed = process(encoded((3000, 200), fmt=fmt, mode=mode, color=0))
    assert processed.width == 2400
    with Image.open(io.BytesIO(processed.full)) as stored:
        assert stored.mode == ("RGBA" if mode == "LA" else "RGB")
