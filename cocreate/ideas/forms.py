from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from cocreate.i18n import _, _l
from cocreate.ideas.models import Status
from cocreate.ideas.services import SETTABLE, SORTS
from cocreate.validators import NumberRange
from cocreate.web import CheckboxesField

MAX_ID = 2**31 - 1
# The names of the list's orders (services.SORTS), as people read them.
SORT_LABELS = {"trending": _l("Trending"), "top": _l("Top"), "new": _l("New"), "discussed": _l("Discussed")}


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as error:
        raise ValueError(_("Not a valid choice.")) from error
    if not 0 < number <= MAX_ID:
        raise ValueError(_("Not a valid choice."))
    return number


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class IdChoiceField(SelectField):
    """A select of ids (or none) whose bad values get the same plain message as unknown ones."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", _optional_int)
        kwargs.setdefault("validators", [Optional()])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_("Not a valid choice.")) from error


class IdeaForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)],
                        description=_l("One sentence: what would make the product better?"))
    description = TextAreaField(_l("Details"), validators=[Optional(), Length(max=10_000)],
                                description=_l("Why it matters to you, what you tried. Markdown is supported."))
    touchpoint_id = IdChoiceField(_l("Touchpoint"))
    version_id = IdChoiceField(_l("Found in version"))
    tag_ids = CheckboxesField(_l("Tags"), coerce=int, validators=[Optional()])

    def set_choices(self, touchpoints, versions, tags) -> None:
        self.touchpoint_id.choices = [SelectChoice("", _("— none —"))] + [
            SelectChoice(str(t.id), t.name_in(str(get_locale() or "en"))) for t in touchpoints]
        self.version_id.choices = [SelectChoice("", _("— not sure —"))] + [
            SelectChoice(str(v.id), v.label) for v in versions]
        self.tag_ids.choices = [SelectChoice(t.id, t.name) for t in tags]


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5_000)])
    parent_id = HiddenField(filters=[lambda v: v or None])


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[SelectChoice(s.value, s.lazy_label) for s in SETTABLE])
    note = TextAreaField(_l("Note to followers"), validators=[Optional(), Length(max=2_000)])
    promised_on = DateField(_l("Promised date"), validators=[Optional()],
                            description=_l("Planned or in progress: when customers can expect it."))
    shipped_version_id = IdChoiceField(_l("Shipped in"))


class MergeForm(FlaskForm):
    target_id = IntegerField(_l("Merge into idea number"), validators=[
        DataRequired(message=_l("Enter the idea's number.")), NumberRange(min=1, max=MAX_ID)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class TagForm(FlaskForm):
    name = StringField(_l("New tag"), validators=[DataRequired(), Length(max=40)])


class IdeaTagsForm(FlaskForm):
    tag_ids = CheckboxesField(_l("Tags"), coerce=int, validators=[Optional()])


@dataclass
class ListFilters:
    """The GET form above the idea list, read from the query string as plain values (no WTForms: the list is the
    most-read page, and building and rendering WTForms fields cost a third of it). It changes nothing, so it has
    no CSRF token; a value that is unknown or malformed counts as "any" (a bad page number as the first page)."""

    q: str = ""
    sort: str = "trending"
    status: Status | None = None
    tag_id: int | None = None
    touchpoint_id: int | None = None
    page: int = 1

    @classmethod
    def read(cls, args, tag_ids: Iterable[int], touchpoint_ids: Iterable[int]) -> "ListFilters":
        def known_id(name: str, known: Iterable[int]) -> int | None:
            value = args.get(name, "")
            return int(value) if value.isdigit() and int(value) in set(known) else None

        page = args.get("page", "")
        return cls(
            q=args.get("q", "").strip()[:200],
            sort=args.get("sort") if args.get("sort") in SORTS else "trending",
            status=Status._value2member_map_.get(args.get("status", "")),  # type: ignore[arg-type]
            tag_id=known_id("tag", tag_ids), touchpoint_id=known_id("touchpoint", touchpoint_ids),
            page=int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1,
        )

    @property
    def key(self) -> tuple:
        """What the filter form shows of them (the page number is not in the form)."""
        return self.q, self.sort, self.status, self.tag_id, self.touchpoint_id

    @staticmethod
    def sort_options() -> list[tuple[str, str]]:
        return [(key, str(SORT_LABELS[key])) for key in SORTS]

    @staticmethod
    def status_options() -> list[tuple[str, str]]:
        return [("", _("Any status"))] + [(s.value, s.label) for s in Status]
