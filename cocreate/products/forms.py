from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectChoice, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp

from cocreate.products.models import Visibility


class ProductForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    slug = StringField(
        "Address",
        validators=[
            Optional(),
            Length(min=2, max=60),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message="Use lower-case letters, digits and dashes."),
        ],
        description="Used in the product's web address. Leave empty to derive it from the name.",
    )
    tagline = StringField("Tagline", validators=[Optional(), Length(max=140)])
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=20_000)], description="Markdown is supported."
    )
    visibility = RadioField(
        "Who can see it",
        choices=[
            SelectChoice(Visibility.PUBLIC.value, "Everyone in the community"),
            SelectChoice(Visibility.PRIVATE.value, "Only your team and the customers you invite"),
        ],
        default=Visibility.PUBLIC.value,
    )


class VersionForm(FlaskForm):
    label = StringField(
        "Label",
        validators=[DataRequired(), Length(max=30)],
        description="For example v0.2.",
    )
    released_on = DateField("Release date", validators=[DataRequired(message="Enter a date (YYYY-MM-DD).")])
    demo_url = URLField(
        "Demo link",
        validators=[
            Optional(),
            Length(max=500),
            URL(message="Enter a full web address."),
            Regexp(r"^https?://", message="Use an http:// or https:// address."),
        ],
    )
    notes = TextAreaField(
        "Release notes", validators=[Optional(), Length(max=20_000)], description="Markdown is supported."
    )


class InviteCustomerForm(FlaskForm):
    email = EmailField(
        "Customer's e-mail",
        validators=[DataRequired(), Length(max=254), Email(message="Enter a valid e-mail address.")],
    )
