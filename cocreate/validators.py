"""Form validators the project uses instead of WTForms' own where those can fail on hostile input."""

from wtforms.validators import NumberRange as _NumberRange
from wtforms.validators import ValidationError


class NumberRange(_NumberRange):
    """WTForms' NumberRange, safe for integers too large for a float.

    WTForms calls math.isnan() on the value, which raises OverflowError for an integer of a few hundred
    digits (?page=999…9): a 500 instead of "out of range". Here such a number is simply out of range.
    """

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except OverflowError:
            if self.message is not None:
                message = self.message
            elif self.min is not None and self.max is not None:
                message = field.gettext("Number must be between %(min)s and %(max)s.")
            elif self.min is not None:
                message = field.gettext("Number must be at least %(min)s.")
            else:
                message = field.gettext("Number must be at most %(max)s.")
            raise ValidationError(message % {"min": self.min, "max": self.max}) from None
