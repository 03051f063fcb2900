from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from cocreate.companies.models import Role

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class CompanyForm(FlaskForm):
    name = StringField("Company name", validators=[DataRequired(), Length(min=2, max=80)])


class AddMemberForm(FlaskForm):
    email = EmailField(
        "E-mail", validators=[DataRequired(), Length(max=254), Email(message="Enter a valid e-mail address.")]
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.PRODUCT.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
