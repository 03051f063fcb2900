from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectChoice, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp

from cocreate.i18n import _l
from cocreate.products.models import Visibility


class ProductForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    slug = StringField(
        _l("Address"),
        validators=[
            Optional(),
            Length(min=2, max=60),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use lower-case letters, digits and dashes.")),
        ],
        description=_l("Used in the product's web address. Leave empty to derive it from the name. A private "
                       "product's address gets a random ending, so that no one outside can guess it."),
    )
    tagline = StringField(_l("Tagline"), validators=[Optional(), Length(max=140)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20_000)], description=_l("Markdown is supported.")
    )
    visibility = RadioField(
        _l("Who can see it"),
        choices=[
            SelectChoice(Visibility.PUBLIC.value, _l("Everyone in the community")),
            SelectChoice(Visibility.PRIVATE.value, _l("Only your team and the customers you invite")),
        ],
        default=Visibility.PUBLIC.value,
    )


class VersionForm(FlaskForm):
    label = StringField(
        _l("Label"),
        validators=[DataRequired(), Length(max=30)],
        description=_l("For example v0.2."),
    )
    # A date input (type=date): the browser shows its own picker in the reader's format, so no format is named.
    released_on = DateField(_l("Release date"), validators=[DataRequired(message=_l("Choose the release date."))])
    demo_url = URLField(
        _l("Demo link"),
        validators=[
            Optional(),
            Length(max=500),
            URL(message=_l("Enter a full web address.")),
            Regexp(r"^https?://", message=_l("Use an http:// or https:// address.")),
        ],
    )
    notes = TextAreaField(
        _l("Release notes"), validators=[Optional(), Length(max=20_000)], description=_l("Markdown is supported.")
    )


class InviteCustomerForm(FlaskForm):
    email = EmailField(
        _l("Customer's e-mail"),
        validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid e-mail address."))],
    )
