from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from cocreate.companies.models import ROLE_LABELS, Role
from cocreate.i18n import _l

# Lazy labels: the choices are built once, at import, and shown in each page's language.
ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


class CompanyForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(min=2, max=80)])


class AddMemberForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))]
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.PRODUCT.value)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
