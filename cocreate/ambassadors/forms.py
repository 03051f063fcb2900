from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from cocreate.ambassadors.leaderboard import SORTS
from cocreate.ambassadors.scores import PERIODS
from cocreate.i18n import _l
from cocreate.ideas.forms import IdChoiceField
from cocreate.validators import NumberRange


class BoardFilters(FlaskForm):
    """The GET form above the leaderboard; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    product = IdChoiceField(_l("Product"))
    period = SelectField(_l("Period"), choices=[SelectChoice(str(d), label) for d, label in PERIODS.items()],
                         default="0")
    sort = SelectField(_l("Sort by"), choices=[SelectChoice(k, label) for k, label in SORTS.items()], default="score")
    consent = SelectField(_l("Contact"), choices=[SelectChoice("", _l("Everyone")),
                                                  SelectChoice("yes", _l("Agreed to be contacted"))], default="")
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])


class AddCandidateForm(FlaskForm):
    user_id = HiddenField(validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])
    next = HiddenField()


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Length(max=2000, message=_l("Keep the note under 2,000 characters."))])
