from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from cocreate.auth.passwords import password_problem
from cocreate.i18n import LANGUAGES
from cocreate.i18n import _l


def strong_password(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class SignupForm(FlaskForm):
    name = StringField("Display name", validators=[DataRequired(), Length(max=80)])
    email = EmailField(
        "E-mail",
        validators=[DataRequired(), Length(max=254), Email(message="Enter a valid e-mail address.")],
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), strong_password], description="At least 10 characters."
    )


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Remember me on this device")


class ProfileForm(FlaskForm):
    name = StringField("Display name", validators=[DataRequired(), Length(max=80)])
    bio = TextAreaField("About you", validators=[Length(max=2000)])
    contact_opt_in = BooleanField("Companies may contact me about ambassador programmes")
    # Language names stay in their own language: a Dutch speaker looks for "Nederlands" on an Italian page.
    locale = SelectField(_l("Language"), choices=[SelectChoice("", _l("The browser's language"))]
                         + [SelectChoice(code, name) for code, name in LANGUAGES.items()],
                         default="", validate_choice=False)  # anything else means "the browser's"


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField("New password", validators=[DataRequired(), strong_password])
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("new", "The passwords differ.")]
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to confirm."),
                                                          Length(max=1024)])
    understood = BooleanField("I understand that this cannot be undone",
                              validators=[DataRequired("Tick the box to confirm.")])
