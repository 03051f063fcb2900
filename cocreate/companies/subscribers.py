"""What companies do when something happens elsewhere: invitations to an erased account's address go."""

from __future__ import annotations

import sqlalchemy as sa

from cocreate import events
from cocreate.auth.models import User
from cocreate.companies.models import Invitation
from cocreate.extensions import db


def connect() -> None:
    events.account_erasing.connect(on_account_erasing)


def on_account_erasing(user: User, **_extra) -> None:
    db.session.execute(sa.delete(Invitation).where(Invitation.email == user.email))
