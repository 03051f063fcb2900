from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from cocreate.ideas.models import Status
from cocreate.ideas.services import SETTABLE, SORTS
from cocreate.validators import NumberRange

MAX_ID = 2**31 - 1


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as error:
        raise ValueError("Not a valid choice.") from error
    if not 0 < number <= MAX_ID:
        raise ValueError("Not a valid choice.")
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
            raise ValueError("Not a valid choice.") from error


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class IdeaForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=120)],
                        description="One sentence: what would make the product better?")
    description = TextAreaField("Details", validators=[Optional(), Length(max=10_000)],
                                description="Why it matters to you, what you tried. Markdown is supported.")
    touchpoint_id = IdChoiceField("Touchpoint")
    version_id = IdChoiceField("Found in version")
    tag_ids = CheckboxesField("Tags", coerce=int, validators=[Optional()])

    def set_choices(self, touchpoints, versions, tags) -> None:
        self.touchpoint_id.choices = [SelectChoice("", "— none —")] + [
            SelectChoice(str(t.id), t.name) for t in touchpoints]
        self.version_id.choices = [SelectChoice("", "— not sure —")] + [
            SelectChoice(str(v.id), v.label) for v in versions]
        self.tag_ids.choices = [SelectChoice(t.id, t.name) for t in tags]


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired(), Length(max=5_000)])
    parent_id = HiddenField(filters=[lambda v: v or None])


class StatusForm(FlaskForm):
    status = SelectField("New status", choices=[SelectChoice(s.value, s.label) for s in SETTABLE])
    note = TextAreaField("Note to followers", validators=[Optional(), Length(max=2_000)])
    promised_on = DateField("Promised date", validators=[Optional()],
                            description="Planned or in progress: when customers can expect it.")
    shipped_version_id = IdChoiceField("Shipped in")


class MergeForm(FlaskForm):
    target_id = IntegerField("Merge into idea number", validators=[DataRequired(message="Enter the idea's number."),
                                                                  NumberRange(min=1, max=MAX_ID)])
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class TagForm(FlaskForm):
    name = StringField("New tag", validators=[DataRequired(), Length(max=40)])


class IdeaTagsForm(FlaskForm):
    tag_ids = CheckboxesField("Tags", coerce=int, validators=[Optional()])


class ListFilters(FlaskForm):
    """The GET form above the list; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    sort = SelectField("Sort", choices=[SelectChoice(k, k.capitalize()) for k in SORTS], default="trending")
    status = SelectField("Status", choices=[SelectChoice("", "Any status")] + [
        SelectChoice(s.value, s.label) for s in Status])
    tag = IdChoiceField("Tag")
    touchpoint = IdChoiceField("Touchpoint")
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])
