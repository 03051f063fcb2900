"""Accounts' background work: the reset and sign-in links asked for on the site.

The page that asks for a link ("Forgot your password?", "Sign in with a link by e-mail") only hands the address
to the worker and answers; the worker finds out whether it has an account and queues the mail. So the request
does the same work, and takes the same time, whatever the address (measured in docs/accounts.md); before, the
request looked the address up itself and an address with an account took twice as long (13 ms against 6 ms).
"""

from __future__ import annotations

from cocreate import tasks
from cocreate.extensions import db


@tasks.task(retries=3, retry_delay=30)
def send_account_link(purpose: str, email: str, locale: str | None = None) -> None:
    """The link of ``purpose`` to ``email`` if it has an account, else a note that it has none (accounts.py)."""
    from cocreate.auth import accounts

    accounts.request_link(email, purpose, locale=locale)
    db.session.commit()
