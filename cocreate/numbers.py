"""How a figure is written: one way for each kind, on every page, in mail, in the CSV files and in the API's
sentences (issue 14.7: a card showed "lower bound 5.2" above "Lower bound 5.1, needs 7.0").

- Grades, grade gaps and contribution scores: one decimal, rounded **down** ("6.96" is "6.9"), so a value that
  fails its threshold is never written as the threshold ("7.0, needs 7.0"), and a figure and the sentence about
  it always agree.
- Hours: at most one decimal, rounded **up** (a response time that misses "≤ 48 h" never reads "48 h"); from
  72 hours on, the days are added ("74.6 h (3.2 days)").
- Shares: whole percents, rounded **down** ("89%" for 89.6 %, never "90%" when 90 % is needed).
- Contribution points: at most one decimal, rounded down ("41.8", "9").

People get the page's language ("7,4" in Dutch); ``machine=True`` gives the plain "7.4" of CSV files and the
API's English sentences. Stored values keep their full precision (the API's numbers too); only their writing is
decided here.
"""

from __future__ import annotations

import math

from flask_babel import format_percent

from cocreate.i18n import _, format_number

_PLACES = 6  # figures are stored rounded to 6 places; undo float noise before cutting (0.7 * 10 = 6.999…)


def down(value: float, places: int = 1) -> float:
    """``value`` cut to ``places`` decimals, rounded down: what a grade or a score shows."""
    scale = 10**places
    return math.floor(round(value * scale, _PLACES)) / scale


def up(value: float, places: int = 1) -> float:
    """``value`` to ``places`` decimals, rounded up: what a response time shows."""
    scale = 10**places
    return math.ceil(round(value * scale, _PLACES)) / scale


def _written(value: float, digits: int, machine: bool) -> str:
    return f"{value:.{digits}f}" if machine else format_number(value, digits)


def grade(value: float | None, *, machine: bool = False) -> str:
    """A grade (10-point scale): "7.4"; a dash when there is none."""
    return "–" if value is None else _written(down(value), 1, machine)


def signed_grade(value: float | None, *, machine: bool = False) -> str:
    """A difference in grade points with its sign: "+2.0", "-0.6"; a dash when there is none."""
    if value is None:
        return "–"
    cut = down(value)
    if cut == 0:
        cut = 0.0  # no "-0.0"
    return ("+" if cut >= 0 else "-") + _written(abs(cut), 1, machine)


def points(value: float | None, *, machine: bool = False) -> str:
    """Contribution points (a score and each part of it): at most one decimal, rounded down ("41.8", "9"), on the
    leaderboard and in the CSV alike."""
    cut = down(value or 0.0)
    return _written(cut, 0 if cut == int(cut) else 1, machine)


def hours_value(value: float) -> float:
    return up(value)


def hours(value: float | None) -> str:
    """A response time: "40.5 h", "60 h", and from 72 hours on "74.6 h (3.2 days)"; a dash when there is none."""
    if value is None:
        return "–"
    shown = up(value)
    text = format_number(shown)  # the decimal only when there is one
    if shown < 72:
        return _("%(hours)s h", hours=text)
    return _("%(hours)s h (%(days)s days)", hours=text, days=format_number(up(value / 24), 1))


def percent_value(share: float) -> int:
    """A share (0-1) in whole percents, rounded down."""
    return math.floor(round(share * 100, _PLACES))


def percent(share: float | None) -> str:
    """A share in whole percents, rounded down, as the page's language writes a percentage ("89%"); a dash when
    there is none."""
    return "—" if share is None else format_percent(percent_value(share) / 100)


FILTERS = {"grade": grade, "signed_grade": signed_grade, "points": points, "hours": hours, "percent": percent}
