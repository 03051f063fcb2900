from collections.abc import Iterable
from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from cocreate.ambassadors.leaderboard import SORTS
from cocreate.ambassadors.scores import PERIODS
from cocreate.i18n import _, _l


@dataclass
class BoardFilters:
    """The GET form above the leaderboard, read from the query string as plain values (no WTForms: building and
    rendering its fields cost a fifth of the page). It changes nothing, so it has no CSRF token; an unknown or
    malformed value counts as the default."""

    FIELDS = ("product", "period", "sort", "consent")

    product_id: int = 0
    period: int = 0
    sort: str = "score"
    consent: str = ""
    page: int = 1

    @classmethod
    def read(cls, args, product_ids: Iterable[int]) -> "BoardFilters":
        product, period, page = args.get("product", ""), args.get("period", ""), args.get("page", "")
        return cls(
            product_id=int(product) if product.isdigit() and int(product) in set(product_ids) else 0,
            period=int(period) if period.isdigit() and int(period) in PERIODS else 0,
            sort=args.get("sort") if args.get("sort") in SORTS else "score",
            consent="yes" if args.get("consent") == "yes" else "",
            page=int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1,
        )

    @staticmethod
    def period_options() -> list[tuple[int, str]]:
        return [(days, str(label)) for days, label in PERIODS.items()]

    @staticmethod
    def sort_options() -> list[tuple[str, str]]:
        return [(key, str(label)) for key, label in SORTS.items()]

    @staticmethod
    def consent_options() -> list[tuple[str, str]]:
        return [("", _("Everyone")), ("yes", _("Agreed to be contacted"))]


class AddCandidateForm(FlaskForm):
    user_id = HiddenField(validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])
    next = HiddenField()


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Length(max=2000, message=_l("Keep the note under 2,000 characters."))])
