from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from cocreate.ambassadors.services import PERIODS, SORTS
from cocreate.ideas.forms import IdChoiceField
from cocreate.validators import NumberRange


class BoardFilters(FlaskForm):
    """The GET form above the leaderboard; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    product = IdChoiceField("Product")
    period = SelectField("Period", choices=[SelectChoice(str(d), label) for d, label in PERIODS.items()], default="0")
    sort = SelectField("Sort by", choices=[SelectChoice(k, label) for k, label in SORTS.items()], default="score")
    consent = SelectField("Contact", choices=[SelectChoice("", "Everyone"),
                                              SelectChoice("yes", "Agreed to be contacted")], default="")
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])


class AddCandidateForm(FlaskForm):
    user_id = HiddenField(validators=[DataRequired()])
    note = StringField("Note", validators=[Optional(), Length(max=2000)])
    next = HiddenField()


class NoteForm(FlaskForm):
    note = TextAreaField("Note", validators=[Length(max=2000, message="Keep the note under 2,000 characters.")])
