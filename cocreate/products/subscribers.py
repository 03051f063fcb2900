"""What products do when something happens elsewhere: invitations to an erased account's address go."""

from __future__ import annotations

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import User
from cocreate.extensions import db
from cocreate.products.models import ProductInvitation


def connect() -> None:
    events.account_erasing.connect(on_account_erasing)


def on_account_erasing(user: User, **_extra) -> None:
    db.session.execute(sa.delete(ProductInvitation).where(ProductInvitation.email == user.email))
