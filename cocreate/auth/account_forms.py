"""Forms of the address, password-reset and sign-in-link pages (cocreate/auth/account_routes.py)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from cocreate.auth.forms import strong_password
from cocreate.i18n import _l


class AddressForm(FlaskForm):
    """Ask for a reset or sign-in link."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254),
                                                 Email(message=_l("Enter a valid e-mail address."))])


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New e-mail address"), validators=[DataRequired(), Length(max=254),
                                                             Email(message=_l("Enter a valid e-mail address."))])
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])


class ResetPasswordForm(FlaskForm):
    new = PasswordField(_l("New password"), validators=[DataRequired(), strong_password],
                        description=_l("At least 10 characters."))
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), EqualTo("new", _l("The passwords differ."))]
    )
