"""cocreate.numbers: one way to write each kind of figure (issue 14.7)."""

import pytest
from flask_babel import force_locale

from cocreate import numbers


@pytest.mark.parametrize(("value", "en", "nl"), [
    (6.96, "6.9", "6,9"),  # a failing 6.96 never reads as the 7.0 it needs
    (7.0, "7.0", "7,0"),
    (0.7 * 10, "7.0", "7,0"),  # float noise (6.999…) is not cut down to 6.9
    (5.15, "5.1", "5,1"),
    (None, "–", "–"),
])
def test_a_grade_has_one_decimal_rounded_down(app, value, en, nl):
    with app.test_request_context():
        with force_locale("en"):
            assert numbers.grade(value) == en
        with force_locale("nl"):
            assert numbers.grade(value) == nl
        assert numbers.grade(value, machine=True) == en


def test_gaps_points_hours_and_shares(app):
    with app.test_request_context(), force_locale("en"):
        assert numbers.signed_grade(1.97) == "+1.9" and numbers.signed_grade(-0.55) == "-0.6"
        assert numbers.signed_grade(-0.01) == "-0.1" and numbers.signed_grade(0.0) == "+0.0"
        assert numbers.points(41.86) == "41.8" and numbers.points(9.0) == "9" and numbers.points(None) == "0"
        assert numbers.hours(48.01) == "48.1 h" and numbers.hours(60) == "60 h"
        assert numbers.hours(74.55) == "74.6 h (3.2 days)"
        assert numbers.percent(0.896) == "89%" and numbers.percent(0.9) == "90%" and numbers.percent(None) == "—"
    with app.test_request_context(), force_locale("nl"):
        assert numbers.points(41.86) == "41,8" and numbers.points(41.86, machine=True) == "41.8"
        assert numbers.hours(74.55) == "74,6 u (3,2 dagen)"
