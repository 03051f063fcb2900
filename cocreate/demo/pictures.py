"""Demo pictures: a drawn cover per product, so `make run` shows the galleries and the product cards.

Drawn with Pillow (no files shipped) and stored through the same checks and re-encoding as any upload."""

import io
import unicodedata
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont

from cocreate.extensions import db
from cocreate.images import services as images
from cocreate.images.models import Image as StoredImage
from cocreate.products.models import Product

# slug: (background, accent, what the cover shows, for people who cannot see it)
COVERS = {
    "fietsdeel": ("#dbeafe", "#1d4ed8", "A blue shared bike next to a phone that unlocks it"),
    "thuisbatterij": ("#dcfce7", "#15803d", "A home battery on a wall, charged by the sun"),
    "pasta-box": ("#fef3c7", "#b45309", "A box of fresh pasta with the week's recipes"),
    "caffe-uno": ("#fee2e2", "#b91c1c", "A red espresso machine making one cup"),
}


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _font_and_text(name: str):
    """Debian's DejaVu when installed (it has every accent); else Pillow's own font, which lacks "è": plain letters."""
    if DEJAVU.exists():
        return ImageFont.truetype(str(DEJAVU), 84), name
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return ImageFont.load_default(size=90), plain


def _draw(name: str, background: str, accent: str) -> bytes:
    image = Image.new("RGB", (1600, 900), background)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((120, 120, 1480, 780), radius=60, outline=accent, width=14)
    draw.ellipse((220, 250, 620, 650), fill=accent)
    draw.rectangle((700, 330, 1360, 380), fill=accent)
    draw.rectangle((700, 450, 1200, 490), fill=accent)
    draw.rectangle((700, 560, 1280, 600), fill=accent)
    font, text = _font_and_text(name)
    draw.text((700, 190), text, fill=accent, font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_pictures(owner_of) -> None:
    """A cover for each demo product that has no image yet; `owner_of(product)` is who uploaded it."""
    for slug, (background, accent, alt) in COVERS.items():
        product = db.session.scalar(sa.select(Product).where(Product.slug == slug))
        if product is None or db.session.scalar(sa.select(StoredImage.id).where(StoredImage.product_id == product.id)):
            continue
        images.add_now(images.Target(product), owner_of(product), _draw(product.name, background, accent), alt=alt)
