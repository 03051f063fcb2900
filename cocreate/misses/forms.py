"""The team's answer to a miss, and closing it with the version that fixes it."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from cocreate.i18n import _l
from cocreate.misses.services import REPLY_MAX


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer to the customer"),
                         validators=[DataRequired(_l("Write your answer to the customer first.")),
                                     Length(max=REPLY_MAX)],
                         description=_l("They see it on their miss and get it by mail."))


class CloseForm(FlaskForm):
    version = SelectField(_l("Fixed in"), coerce=int, validate_choice=False,
                          validators=[DataRequired(_l("Name the version that fixes it."))],
                          description=_l("The customer is invited to rate that version."))
    note = TextAreaField(_l("A word to the customer (optional)"), validators=[Optional(), Length(max=REPLY_MAX)])
