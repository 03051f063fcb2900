"""Refused changes: one base class for every "the rules do not allow that" a service raises.

A service refuses with the English sentence marked ``N_()`` (for the catalogues) and its values::

    raise IdeaError(N_("The tag “%(name)s” exists already."), name=name)

``str(error)`` is the sentence in the language of the current request (pages show it; outside a request it is
English); ``error.english`` is the English sentence (the API's error text, the logs). Routes turn a refusal
into a message on the form with ``cocreate.web.submit`` or ``cocreate.web.carry_out``.
"""

from __future__ import annotations

from cocreate.i18n import _


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, do not translate yet"
    """Marks a message for translation without translating it (it is translated where it is shown)."""
    return message


class Refused(Exception):
    """A change the rules do not allow; the message says why, for the person who asked."""

    def __init__(self, message: str, **values: object):
        self.message, self.values = message, values
        super().__init__(message)

    @property
    def english(self) -> str:
        return self.message % self.values if self.values else self.message

    def __str__(self) -> str:
        return _(self.message, **self.values)
