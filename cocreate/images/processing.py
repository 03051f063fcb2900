"""Uploaded images, checked by what they are and drawn again: no byte of the upload is ever served.

The browser's file name and Content-Type are ignored. Pillow identifies the content (JPEG, PNG, GIF or WebP
only); the declared size is checked before a single pixel is decoded, so a decompression bomb (a small file
that declares 50 000 × 50 000 pixels) is refused cheaply; the first frame is then decoded (a JPEG by libjpeg at
a reduced scale), scaled down, turned upright from its EXIF orientation and encoded anew as JPEG (or PNG when it
has transparency). Metadata (EXIF with GPS positions, XMP, JPEG/GIF comments, PNG text chunks, ICC profiles)
is not copied, nor anything appended to the file (HTML or script in a "polyglot"); pixels described by an ICC
profile are converted to sRGB first, so they look the same without it.
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, UnidentifiedImageError

from cocreate.refusal import N_, Refused

FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
MAX_PIXELS = 25_000_000  # 25 megapixels: a 24 MP camera photo; we store 2400 px a side, so more only costs
# decoding time and memory (a PNG cannot be decoded scaled down). Pillow's own bomb check uses this too.
MAX_SIDE = 12_000
FULL_BOX = 2400  # stored image fits in 2400 × 2400
THUMB_BOX = 640  # thumbnail for galleries and cards

Image.MAX_IMAGE_PIXELS = MAX_PIXELS

MIMETYPES = {"jpeg": "image/jpeg", "png": "image/png"}

ORIENTATION = 0x0112  # the EXIF tag
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
             5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}  # as ImageOps.exif_transpose, applied after scaling down

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageRefused(Refused):
    """The upload is not an image we take; the message says why, in words for the uploader."""


@dataclass(frozen=True)
class Processed:
    format: str  # "jpeg" or "png": what we wrote, not what was sent
    full: bytes
    width: int
    height: int
    thumb: bytes
    thumb_width: int
    thumb_height: int


NOT_AN_IMAGE = N_("That file is not an image we can read. Upload a JPEG, PNG, GIF or WebP picture.")
TOO_MANY_PIXELS = N_("That image is too large: at most %(megapixels)s megapixels and %(side)s pixels a side.")


def _to_srgb(image: Image.Image, icc: bytes | None, mode: str) -> Image.Image:
    """`image` in `mode` ("RGB" or "RGBA"), its pixels converted from the embedded ICC profile to sRGB.

    A profile lcms cannot read, or one for another colour space than the pixels' (an RGB profile on CMYK or
    grey pixels), is ignored: the pixels are taken as sRGB, as a browser would."""
    if icc:
        # CMYK and grey pixels go to lcms as they are, for a CMYK or grey profile; the rest in the mode we store.
        keep = image.mode == mode or (mode == "RGB" and image.mode in ("CMYK", "L"))
        source = image if keep else image.convert(mode)
        try:
            converted = ImageCms.profileToProfile(source, ImageCms.ImageCmsProfile(io.BytesIO(icc)), SRGB,
                                                  outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None
        if converted is not None:
            image = converted
    return image if image.mode == mode else image.convert(mode)


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Pixels only: Pillow would copy a comment or an ICC profile left in `info`, so none is left there."""
    image.info = {}
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    """The size of width × height scaled (down only) into box × box."""
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def inspect(data: bytes, *, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> str:
    """The cheap checks, done in the request before an upload is queued for the worker: Pillow recognises the
    bytes as JPEG, PNG, GIF or WebP from their header, and the declared size is within the limits. No pixel is
    decoded (milliseconds, whatever the file). Returns the format; ImageRefused otherwise. What only decoding
    finds (a truncated or corrupt file) is refused by process() in the worker."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as source:
                width, height = source.size
                found = str(source.format)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(TOO_MANY_PIXELS, megapixels=max_pixels // 1_000_000, side=max_side) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError,
                KeyError, ZeroDivisionError) as error:
            raise ImageRefused(NOT_AN_IMAGE) from error
    if width * height > max_pixels or max(width, height) > max_side or min(width, height) < 1:
        raise ImageRefused(TOO_MANY_PIXELS, megapixels=max_pixels // 1_000_000, side=max_side)
    return found


def process(data: bytes, *, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> Processed:
    """Check `data` by content and return it re-encoded with a thumbnail; ImageRefused otherwise."""
    with warnings.catch_warnings():
        # Pillow warns between MAX_IMAGE_PIXELS and twice that, and raises above: both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as source:
                width, height = source.size
                if width * height > max_pixels or max(width, height) > max_side or min(width, height) < 1:
                    raise ImageRefused(TOO_MANY_PIXELS, megapixels=max_pixels // 1_000_000, side=max_side)
                source.seek(0)  # the first frame of an animation
                if source.format == "JPEG":
                    # Decoded at 1/2, 1/4 or 1/8 scale by libjpeg itself, never smaller than what we store:
                    # a 24 MP photo costs a quarter of the memory and time.
                    source.draft(source.mode, _fit(width, height, FULL_BOX))
                source.load()
                icc = source.info.get("icc_profile")
                orientation = source.getexif().get(ORIENTATION, 1)
                fmt = "png" if _has_alpha(source) else "jpeg"
                mode = "RGBA" if fmt == "png" else "RGB"
                # Scaled down first (reduce() by whole factors, then Lanczos), in place: every later step
                # (turning upright, colour conversion, encoding) works on at most 2400 × 2400 pixels.
                image = source if source.mode in (mode, "L", "CMYK") else source.convert(mode)
                image.thumbnail((FULL_BOX, FULL_BOX), Image.Resampling.LANCZOS, reducing_gap=2.0)
                if orientation in TRANSPOSE:
                    image = image.transpose(TRANSPOSE[orientation])
                image = _to_srgb(image, icc, mode)
                image.info = {}  # comments, EXIF, XMP, text chunks, the profile: nothing but pixels goes on
        except ImageRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(TOO_MANY_PIXELS, megapixels=max_pixels // 1_000_000, side=max_side) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError, IndexError,
                TypeError, KeyError, ZeroDivisionError) as error:
            # Pillow's decoders raise a zoo of exceptions on broken or hostile files.
            raise ImageRefused(NOT_AN_IMAGE) from error
    thumb = image.copy()
    thumb.thumbnail((THUMB_BOX, THUMB_BOX), Image.Resampling.LANCZOS)
    return Processed(format=fmt, full=_encode(image, fmt), width=image.width, height=image.height,
                     thumb=_encode(thumb, fmt), thumb_width=thumb.width, thumb_height=thumb.height)
