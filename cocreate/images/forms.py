from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length

from cocreate.i18n import _l


class ImageForm(FlaskForm):
    image = FileField(_l("Image"), validators=[FileRequired(_l("Choose an image file to upload."))])
    alt = StringField(_l("What it shows"), validators=[Length(max=200)],
                      description=_l("For people who cannot see the image, e.g. “The checkout page on a phone”."))
