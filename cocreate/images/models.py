import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cocreate.auth.models import User
from cocreate.extensions import Model, UTCDateTime, utcnow
from cocreate.products.models import Product


def new_token() -> str:
    return secrets.token_hex(16)


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
    format: Mapped[str] = mapped_column(sa.String(4))  # "jpeg" | "png": what we encoded
    width: Mapped[int]
    height: Mapped[int]
    thumb_width: Mapped[int]
    thumb_height: Mapped[int]
    bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else "png"

    def __repr__(self) -> str:
        return f"<Image {self.token} {self.width}x{self.height}>"
