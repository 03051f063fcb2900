"""Forms of ratings, self-assessments, touchpoints and thresholds.

Rating and self-assessment forms have one field per active touchpoint (``tp_<id>``), so their
classes are built per product by ``rating_form`` and ``self_assessment_form``.
"""

import re
from collections.abc import Iterable, Mapping

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from cocreate.i18n import _, _l
from cocreate.memo import Memo
from cocreate.products.models import TOUCHPOINT_LANGUAGES, Touchpoint
from cocreate.products.touchpoint_names import description as touchpoint_description
from cocreate.products.touchpoint_names import localized
from cocreate.validators import NumberRange

SCORES = ("1", "2", "3", "4", "5")
SCORE_WORDS = {"1": _l("Poor"), "2": _l("Weak"), "3": _l("OK"), "4": _l("Good"), "5": _l("Excellent")}
TOUCHPOINT_FIELD = re.compile(r"^tp_(\d+)$")
SKIP = _l("Skip")


class ScoreField(RadioField):
    """A 1-5 score, or nothing (skipped). Anything else gets a clear message; the rest of the form is kept."""

    def __init__(self, label=None, validators=None, skip_label=SKIP, **kwargs):
        kwargs.setdefault("default", "")
        choices = [SelectChoice("", skip_label), *(SelectChoice(s, s) for s in SCORES)]
        super().__init__(label, validators, choices=choices, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        self.data = valuelist[0].strip() if valuelist else ""

    def pre_validate(self, form):
        if self.data not in ("", None, *SCORES):
            self.data = ""
            raise ValidationError(_("Choose a score from 1 to 5, or skip it."))

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
    expected = ScoreField(_l("What did you expect, before trying it?"), skip_label=_l("No idea"))
    experience = RadioField(
        _l("Have you used it before?"),
        choices=[SelectChoice("first", _l("This is my first time")),
                 SelectChoice("returning", _l("I have used it before"))],
        default="first",
        validators=[InputRequired(_l("Tell us whether this is your first time."))],
    )
    comment = TextAreaField(_l("Anything to add?"), validators=[Optional(), Length(max=2000)],
                            description=_l("Optional. The team reads every comment."))


class SelfAssessmentForm(TouchpointScores, FlaskForm):
    """The team's scores of the touchpoints, nothing else."""


def _with_touchpoints(base: type[FlaskForm], touchpoints: Iterable[Touchpoint]) -> type[FlaskForm]:
    """The form class with a score field per touchpoint, made once per touchpoints as shown (id, name and
    description in the page's language) and kept: making a class and its fields cost a millisecond a rating."""
    shown = tuple((tp.id, localized(tp), touchpoint_description(tp)) for tp in touchpoints)
    return _FORMS.get((base, shown), lambda: type(base.__name__, (base,), {
        f"tp_{tp_id}": ScoreField(name, description=description) for tp_id, name, description in shown}))


_FORMS = Memo(2000)


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
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=60)])
    description = StringField(_l("What it covers"), validators=[Optional(), Length(max=200)])
    # The name per language; an empty one shows the name above (docs/i18n.md, "Touchpoint names").
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=60)])
    name_nl = StringField(_l("Name in Dutch"), validators=[Optional(), Length(max=60)])
    name_it = StringField(_l("Name in Italian"), validators=[Optional(), Length(max=60)])

    def names(self) -> dict[str, str]:
        return {lang: (self[f"name_{lang}"].data or "").strip() for lang in TOUCHPOINT_LANGUAGES}


class ThresholdsForm(FlaskForm):
    min_raters = IntegerField(_l("Raters needed to leave Prototype"),
                              validators=[InputRequired(), NumberRange(2, 10_000)])
    good_enough = FloatField(_l("Good enough: lower bound at least"), validators=[InputRequired(), NumberRange(0, 10)])
    good = FloatField(_l("Good: lower bound at least"), validators=[InputRequired(), NumberRange(0, 10)])
    good_weakest = FloatField(_l("Good: weakest touchpoint at least"),
                              validators=[InputRequired(), NumberRange(0, 10)])
    excellent = FloatField(_l("Excellent: lower bound at least"), validators=[InputRequired(), NumberRange(0, 10)])
    excellent_weakest = FloatField(_l("Excellent: weakest touchpoint at least"),
                                   validators=[InputRequired(), NumberRange(0, 10)])
    promises_kept = IntegerField(_l("Excellent: promises kept at least (%)"),
                                 validators=[InputRequired(), NumberRange(0, 100)])
    response_hours = FloatField(_l("Excellent: median first response at most (hours)"),
                                validators=[InputRequired(), NumberRange(1, 24 * 90)])
    blind_spot_gap = FloatField(_l("Blind spot: the team's grade above the customers' by at least"),
                                validators=[InputRequired(), NumberRange(0.5, 10)])
    min_touchpoint_ratings = IntegerField(_l("Ratings a touchpoint needs before it can be the weakest"),
                                          validators=[InputRequired(), NumberRange(1, 10_000)])
    negative_share = IntegerField(_l("Excellent: raters who felt a negative emotion about a touchpoint at most (%)"),
                                  validators=[InputRequired(), NumberRange(0, 100)])
    miss_response_hours = FloatField(_l("Excellent: no miss left unanswered for longer than (hours)"),
                                     validators=[InputRequired(), NumberRange(0.25, 24 * 30)])


class ReleaseForm(FlaskForm):
    """The team releases held ratings (the checkboxes named ``rating``) with a note for the stage history."""

    note = TextAreaField(_l("Why may they count?"),
                         validators=[DataRequired(_l("Say in a note why these ratings may count: it is kept in the "
                                                     "stage history.")), Length(max=500)],
                         description=_l("Kept in the stage history with your name, e.g. “Our launch mail went out "
                                        "at 10:00; we know these customers.”"))


class HoldRulesForm(FlaskForm):
    """A company's rules for holding back suspicious ratings (holds.HoldRules, docs/maturity.md)."""

    new_account_days = IntegerField(_l("An account is new for (days)"),
                                    validators=[InputRequired(), NumberRange(1, 365)])
    burst_ratings = IntegerField(_l("A burst: ratings by new accounts"),
                                 validators=[InputRequired(), NumberRange(2, 1000)])
    burst_minutes = IntegerField(_l("… within (minutes)"), validators=[InputRequired(), NumberRange(1, 7 * 24 * 60)])
    network_ratings = IntegerField(_l("One network: ratings from one network"),
                                   validators=[InputRequired(), NumberRange(2, 1000)])
    network_hours = IntegerField(_l("… within (hours)"), validators=[InputRequired(), NumberRange(1, 24 * 30)])
    reset = BooleanField(_l("Back to the defaults"))
