"""Nothing but pixels survives an upload (issue 15.10): no comment, ICC profile, EXIF, XMP or PNG text chunk,
in the stored picture nor in its thumbnail; pixels in another colour space are converted to sRGB first."""

import io
import struct

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from cocreate.images.processing import process
from cocreate.images.services import path_of
from tests.images.test_images import _empty_upload_folder, product, stored, team, upload  # noqa: F401

SECRET = b"SECRET-7f3a"  # in every kind of metadata below; must not reach what we store


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def swapped_profile() -> bytes:
    """An RGB profile whose red and blue primaries are swapped: its "pure red" is sRGB's blue. Not sRGB,
    and unmistakable once converted (Pillow cannot build Display P3 or Adobe RGB, lcms reads this one)."""
    data = bytearray(srgb_profile())
    for i in range(struct.unpack(">I", data[128:132])[0]):
        at = 132 + 12 * i
        data[at:at + 4] = {b"rXYZ": b"bXYZ", b"bXYZ": b"rXYZ"}.get(bytes(data[at:at + 4]), bytes(data[at:at + 4]))
    data[84:100] = bytes(16)  # the profile ID (an MD5) no longer matches: zero means "not computed"
    return bytes(data)


def encoded(fmt: str, mode="RGB", color=(200, 30, 30), size=(64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def jpeg_segments(data: bytes) -> list[int]:
    """The marker of every JPEG segment up to the image data."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while True:
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: pixels follow
            return markers
        at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kinds, at = [], 8
    while at < len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        kinds.append(data[at + 4:at + 8])
        at += 12 + length
    return kinds


def assert_only_pixels(data: bytes) -> None:
    assert SECRET not in data and b"ICC_PROFILE" not in data and b"Exif" not in data and b"xmp" not in data.lower()
    if data.startswith(b"\xff\xd8"):
        # APP0 (JFIF), quantisation and Huffman tables, frame, restart interval, scan: no APP1–15, no COM.
        assert set(jpeg_segments(data)) <= {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD, 0xDA}, jpeg_segments(data)
    else:
        assert set(png_chunks(data)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}, png_chunks(data)
    with Image.open(io.BytesIO(data)) as image:
        assert not {"icc_profile", "exif", "comment", "xmp", "XML:com.adobe.xmp"} & set(image.info)
        assert not getattr(image, "text", {})


def text_chunks() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())  # tEXt
    info.add_text("Author", SECRET.decode(), zip=True)  # zTXt
    info.add_itxt("Description", SECRET.decode(), lang="en", tkey="Beschreibung")  # iTXt
    return info


XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>' + SECRET + b"</rdf:Description></x:xmpmeta>"


def exif_with_secret() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = SECRET.decode()  # ImageDescription
    return exif


METADATA = {
    "jpeg with COM, ICC, EXIF and XMP": encoded("JPEG", comment=SECRET, icc_profile=srgb_profile(),
                                                exif=exif_with_secret(), xmp=XMP),
    "png with tEXt, zTXt, iTXt and iCCP": encoded("PNG", pnginfo=text_chunks(), icc_profile=srgb_profile()),
    "transparent png with text and iCCP": encoded("PNG", mode="RGBA", color=(200, 30, 30, 128),
                                                  pnginfo=text_chunks(), icc_profile=srgb_profile()),
    "gif with a comment": encoded("GIF", mode="P", color=3, comment=SECRET),
    "webp with ICC, EXIF and XMP": encoded("WEBP", icc_profile=srgb_profile(), exif=exif_with_secret(), xmp=XMP),
}


@pytest.mark.parametrize("data", METADATA.values(), ids=METADATA.keys())
def test_no_metadata_survives_in_the_picture_or_its_thumbnail(data):
    assert SECRET in data or b"ICC" in data  # the upload does carry it
    processed = process(data)
    assert_only_pixels(processed.full)
    assert_only_pixels(processed.thumb)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_pixels_in_another_colour_space_are_converted_to_srgb(fmt):
    # Pure red in the swapped profile is blue on screen: what we store must be blue, and say nothing of it.
    data = encoded(fmt, color=(255, 0, 0), icc_profile=swapped_profile(), **({"quality": 100} if fmt != "PNG"
                                                                               else {}))
    processed = process(data)
    assert_only_pixels(processed.full)
    with Image.open(io.BytesIO(processed.full)) as image:
        red, green, blue = image.convert("RGB").getpixel((10, 10))
        assert blue > 200 and red < 60 and green < 60, (red, green, blue)


def test_transparent_pixels_keep_their_alpha_through_the_conversion():
    data = encoded("PNG", mode="RGBA", color=(255, 0, 0, 100), icc_profile=swapped_profile())
    processed = process(data)
    assert processed.format == "png"
    with Image.open(io.BytesIO(processed.full)) as image:
        red, green, blue, alpha = image.getpixel((10, 10))
        assert blue > 200 and red < 60 and alpha == 100


@pytest.mark.parametrize("profile", [b"not a profile at all", srgb_profile()[:200]])
def test_a_broken_profile_is_ignored_not_a_refusal(profile):
    processed = process(encoded("PNG", color=(10, 120, 10), icc_profile=profile))
    assert_only_pixels(processed.full)
    with Image.open(io.BytesIO(processed.full)) as image:
        assert image.getpixel((10, 10))[1] > 100


def test_a_cmyk_jpeg_with_its_profile_is_stored_as_srgb():
    # A profile for another colour space than the pixels' (an RGB profile on CMYK) is ignored too.
    processed = process(encoded("JPEG", mode="CMYK", color=(0, 255, 255, 0), icc_profile=srgb_profile(),
                                comment=SECRET))
    assert_only_pixels(processed.full)
    with Image.open(io.BytesIO(processed.full)) as image:
        assert image.mode == "RGB"


def test_an_uploaded_picture_is_stored_with_nothing_but_pixels(client, team, product):  # noqa: F811
    data = METADATA["jpeg with COM, ICC, EXIF and XMP"]
    assert upload(client, f"/p/{product.slug}/images", data).status_code == 303
    [image] = stored(product)
    assert_only_pixels(path_of(image).read_bytes())
    assert_only_pixels(path_of(image, thumb=True).read_bytes())
