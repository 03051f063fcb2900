import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.database import enum_type
from cocreate.extensions import Model, UTCDateTime, utcnow
from cocreate.products.models import Product


def new_token() -> str:
    return secrets.token_hex(16)


class ImageState(enum.StrEnum):
    PROCESSING = "processing"  # checked cheaply in the request; the worker decodes and re-encodes it
    READY = "ready"            # its files are written: the only state any page shows as a picture
    REFUSED = "refused"        # decoding found it unreadable or too large, or every attempt failed (`problem`)


class Image(Model):
    """A re-encoded picture of a product, one of its versions or an idea. The files live under
    UPLOAD_FOLDER/images/, named by the random token; the row says who may see them (the product's)."""

    __tablename__ = "images"
    __table_args__ = (
        sa.CheckConstraint("version_id IS NULL OR idea_id IS NULL", name="one_target"),
        sa.Index("ix_images_target", "product_id", "version_id", "idea_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_token)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    alt: Mapped[str] = mapped_column(sa.String(200), default="")
    # Known once the worker has re-encoded it (state READY); None while processing or refused.
    format: Mapped[str | None] = mapped_column(sa.String(4))  # "jpeg" | "png": what we encoded
    width: Mapped[int | None]
    height: Mapped[int | None]
    thumb_width: Mapped[int | None]
    thumb_height: Mapped[int | None]
    bytes: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[ImageState] = mapped_column(enum_type(ImageState, "image_state", 10), default=ImageState.PROCESSING,
                                              server_default=ImageState.READY.value)
    problem: Mapped[str | None] = mapped_column(sa.String(20))  # why REFUSED: a key of services.PROBLEMS
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")  # by the worker (a kill counts)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker is processing it (tasks.claim)

    product: Mapped[Product] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def ready(self) -> bool:
        return self.state == ImageState.READY

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else "png"

    def __repr__(self) -> str:
        return f"<Image {self.token} {self.width}x{self.height}>"
