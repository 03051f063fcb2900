"""Forms of ratings, self-assessments, touchpoints and thresholds.

Rating and self-assessment forms have one field per active touchpoint (``tp_<id>``), so their
classes are built per product by ``rating_form`` and ``self_assessment_form``.
"""

import re
from collections.abc import Iterable, Mapping

from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from cocreate.products.models import Touchpoint
from cocreate.validators import NumberRange

SCORES = ("1", "2", "3", "4", "5")
SCORE_WORDS = {"1": "Poor", "2": "Weak", "3": "OK", "4": "Good", "5": "Excellent"}
TOUCHPOINT_FIELD = re.compile(r"^tp_(\d+)$")


class ScoreField(RadioField):
    """A 1-5 score, or nothing (skipped). Anything else gets a clear message; the rest of the form is kept."""

    def __init__(self, label=None, validators=None, skip_label="Skip", **kwargs):
        kwargs.setdefault("default", "")
        choices = [SelectChoice("", skip_label), *(SelectChoice(s, s) for s in SCORES)]
        super().__init__(label, validators, choices=choices, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        self.data = valuelist[0].strip() if valuelist else ""

    def pre_validate(self, form):
        if self.data not in ("", None, *SCORES):
            self.data = ""
            raise ValidationError("Choose a score from 1 to 5, or skip it.")

    @property
    def score(self) -> int | None:
        return int(self.data) if self.data in SCORES else None


class TouchpointScores:
    """One ScoreField per touchpoint, named tp_<id>."""

    def touchpoint_fields(self) -> list[ScoreField]:
        return [f for f in self if TOUCHPOINT_FIELD.match(f.name)]  # type: ignore[attr-defined]

    def scores(self) -> dict[int, int | None]:
        return {int(f.name[3:]): f.score for f in self.touchpoint_fields()}


class RatingForm(TouchpointScores, FlaskForm):
    version_id = HiddenField()
    expected = ScoreField("What did you expect, before trying it?", skip_label="No idea")
    experience = RadioField(
        "Have you used it before?",
        choices=[SelectChoice("first", "This is my first time"), SelectChoice("returning", "I have used it before")],
        default="first",
        validators=[InputRequired("Tell us whether this is your first time.")],
    )
    comment = TextAreaField("Anything to add?", validators=[Optional(), Length(max=2000)],
                            description="Optional. The team reads every comment.")


class SelfAssessmentForm(TouchpointScores, FlaskForm):
    """The team's scores of the touchpoints, nothing else."""


def _with_touchpoints(base: type[FlaskForm], touchpoints: Iterable[Touchpoint]) -> type[FlaskForm]:
    fields = {f"tp_{tp.id}": ScoreField(tp.name, description=tp.description) for tp in touchpoints}
    return type(base.__name__, (base,), fields)


def rating_form(touchpoints: Iterable[Touchpoint], **kwargs) -> RatingForm:
    return _with_touchpoints(RatingForm, touchpoints)(**kwargs)


def self_assessment_form(touchpoints: Iterable[Touchpoint], **kwargs) -> SelfAssessmentForm:
    return _with_touchpoints(SelfAssessmentForm, touchpoints)(**kwargs)


def unknown_touchpoints(formdata: Mapping[str, str], known: Iterable[int]) -> bool:
    """Whether the POST scores a touchpoint that is not offered (unknown, retired, another product's)."""
    ids = set(known)
    return any((m := TOUCHPOINT_FIELD.match(key)) and int(m.group(1)) not in ids for key in formdata)


def score_data(scores: Mapping[int, int]) -> dict[str, str]:
    return {f"tp_{tp_id}": str(score) for tp_id, score in scores.items()}


class TouchpointForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=60)])
    description = StringField("What it covers", validators=[Optional(), Length(max=200)])


class ThresholdsForm(FlaskForm):
    min_raters = IntegerField("Raters needed to leave Prototype",
                              validators=[InputRequired(), NumberRange(2, 10_000)])
    good_enough = FloatField("Good enough: lower bound at least", validators=[InputRequired(), NumberRange(0, 10)])
    good = FloatField("Good: lower bound at least", validators=[InputRequired(), NumberRange(0, 10)])
    good_weakest = FloatField("Good: weakest touchpoint at least", validators=[InputRequired(), NumberRange(0, 10)])
    excellent = FloatField("Excellent: lower bound at least", validators=[InputRequired(), NumberRange(0, 10)])
    excellent_weakest = FloatField("Excellent: weakest touchpoint at least",
                                   validators=[InputRequired(), NumberRange(0, 10)])
    promises_kept = IntegerField("Excellent: promises kept at least (%)",
                                 validators=[InputRequired(), NumberRange(0, 100)])
    response_hours = FloatField("Excellent: median first response at most (hours)",
                                validators=[InputRequired(), NumberRange(1, 24 * 90)])
    blind_spot_gap = FloatField("Blind spot: the team's grade above the customers' by at least",
                                validators=[InputRequired(), NumberRange(0.5, 10)])
    min_touchpoint_ratings = IntegerField("Ratings a touchpoint needs before it can be the weakest",
                                          validators=[InputRequired(), NumberRange(1, 10_000)])
