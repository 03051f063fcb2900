from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from cocreate.i18n import _l
from cocreate.notifications.models import EmailMode


class SettingsForm(FlaskForm):
    email = RadioField(_l("E-mail me about ideas I follow"),
                       choices=[SelectChoice(m.value, m.lazy_label) for m in EmailMode],
                       validators=[InputRequired(_l("Choose how often we may write."))])
