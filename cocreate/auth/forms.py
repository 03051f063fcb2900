from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from cocreate.auth.passwords import password_problem
from cocreate.i18n import LANGUAGES, _l


def strong_password(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class SignupForm(FlaskForm):
    name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), strong_password], description=_l("At least 10 characters.")
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Remember me on this device"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=80)])
    bio = TextAreaField(_l("About you"), validators=[Length(max=2000)])
    contact_opt_in = BooleanField(_l("Companies may contact me about ambassador programmes"))
    # Language names stay in their own language: a Dutch speaker looks for "Nederlands" on an Italian page.
    locale = SelectField(_l("Language"), choices=[SelectChoice("", _l("The browser's language"))]
                         + [SelectChoice(code, name) for code, name in LANGUAGES.items()],
                         default="", validate_choice=False)  # anything else means "the browser's"


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), strong_password])
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), EqualTo("new", _l("The passwords differ."))]
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password to confirm.")),
                                                              Length(max=1024)])
    understood = BooleanField(_l("I understand that this cannot be undone"),
                              validators=[DataRequired(_l("Tick the box to confirm."))])
