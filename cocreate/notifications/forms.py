from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from cocreate.notifications.models import EmailMode


class SettingsForm(FlaskForm):
    email = RadioField("E-mail me about ideas I follow", choices=[SelectChoice(m.value, m.label) for m in EmailMode],
                       validators=[InputRequired("Choose how often we may write.")])
