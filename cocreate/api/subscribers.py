"""What the API does when something happens elsewhere: a changed password revokes the user's API tokens."""

from __future__ import annotations

from flask import flash, has_request_context

from cocreate import events
from cocreate.api.services import revoke_all_tokens
from cocreate.auth.models import User
from cocreate.i18n import ngettext


def connect() -> None:
    events.password_changed.connect(on_password_changed)


def on_password_changed(user: User, **_extra) -> None:
    """A token is a password for programs: whoever knew the old password may have made one."""
    revoked = revoke_all_tokens(user)
    if revoked and has_request_context():  # told on the next page, once the change is committed
        events.after_commit(lambda: flash(ngettext(
            "Your API token was revoked because your password changed; create a new one if you need it.",
            "Your %(num)d API tokens were revoked because your password changed; create new ones if you need them.",
            revoked), "info"))
