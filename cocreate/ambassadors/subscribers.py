"""Sign-up origins, for the anti-gaming rule (votes between "twin" accounts do not count)."""

from __future__ import annotations

from cocreate import events
from cocreate.ambassadors.scores import record_origin
from cocreate.auth.models import User


def connect() -> None:
    events.user_signed_up.connect(on_signed_up)


def on_signed_up(user: User, *, address: str | None = None, **_extra) -> None:
    record_origin(user, address)
