"""The API's request and response schemas (marshmallow): declared once, they validate what comes in, shape what
goes out, and are the OpenAPI 3.1 document (flask-smorest and apispec derive it, cocreate/api/__init__.py).

Error messages are predicates ("is required.", "must be a string.") that cocreate.api.errors puts after the
field's name: “title” is required.
"""

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from cocreate.i18n import LANGUAGES
from cocreate.ideas.models import Status
from cocreate.ideas.services import SETTABLE, SORTS
from cocreate.maturity import journey

MAX_ID = 2**31 - 1
MAX_PER_PAGE = 100
# Text without NUL (PostgreSQL cannot store it; cocreate.security refuses it before any view), and text that is
# more than white space: the same rule as the forms' (str.strip()).
NO_NUL = r"^[^\x00]*$"
_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK = f"^[^\\x00]*[^\\x00{_SPACE}][^\\x00]*$"


class Text(fields.String):
    """A string of valid Unicode without NUL, at most ``max_length`` characters; ``required`` also refuses blanks."""

    default_error_messages = {"required": "is required.", "null": "may not be null.", "invalid": "must be a string.",
                              "invalid_utf8": "is not valid text.", "blank": "is required."}

    def __init__(self, max_length: int, *, required: bool = False, **kwargs):
        checks = [validate.Length(max=max_length, error=f"is longer than {max_length} characters."),
                  validate.Regexp(NOT_BLANK if required else NO_NUL,
                                  error="is required." if required else "cannot contain NUL characters.")]
        super().__init__(required=required, validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate ("\ud800") that JSON can carry
            raise self.make_error("invalid_utf8") from error
        return text


class Id(fields.Integer):
    """A positive 32-bit id: a JSON integer (3.0 counts, as JSON does not tell them apart), never true or "3"."""

    default_error_messages = {"invalid": "must be a positive integer id.", "required": "is required.",
                              "null": "may not be null."}

    def __init__(self, **kwargs):
        super().__init__(strict=False, validate=validate.Range(1, MAX_ID, error="must be a positive integer id."),
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def choice(values, **kwargs) -> fields.String:
    values = list(values)
    return fields.String(validate=validate.OneOf(values, error="is one of: " + ", ".join(values) + "."),
                         error_messages={"invalid": "must be a string."}, **kwargs)


def whole(low: int, high: int, **kwargs) -> fields.Integer:
    """A whole number in a range, as a query parameter ("20") or a JSON number."""
    return fields.Integer(validate=validate.Range(low, high, error=f"must be a whole number from {low} to {high}."),
                          error_messages={"invalid": f"must be a whole number from {low} to {high}."}, **kwargs)


class Strict(Schema):
    """Requests: an unknown field or query parameter is refused by name (a typo is never ignored)."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "is not known to this request.",
                      "type": "Send a JSON object with Content-Type: application/json."}


class Out(Schema):
    """Responses: what the schema names, nothing else."""

    class Meta:
        unknown = EXCLUDE


# --------------------------------------------------------------------------- query parameters

LANG_DOC = "Language of touchpoint names and texts: en, nl or it (default: the Accept-Language header, else en)."


class NoArgs(Strict):
    """A read that takes no query parameter: any is refused by name."""


class LangArgs(Strict):
    lang = choice(LANGUAGES, metadata={"description": LANG_DOC})


CURSOR_ERROR = "is not one this list gave: start again without it."


class PageArgs(Strict):
    cursor = fields.String(
        validate=[validate.Length(max=500, error=CURSOR_ERROR), validate.Regexp(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
                                                                               error=CURSOR_ERROR)],
        error_messages={"invalid": CURSOR_ERROR},
        metadata={"description": "Where to go on: the `next_cursor` of the previous page (a cursor is signed: one "
                                 "this list did not give is refused with a 422)."})
    limit = whole(1, MAX_PER_PAGE, load_default=20, metadata={"description": "How many items (1–100, default 20)."})


class LangPageArgs(PageArgs):
    lang = choice(LANGUAGES, metadata={"description": LANG_DOC})


class IdeaListArgs(PageArgs):
    sort = choice(SORTS, load_default="trending", metadata={"description": "The order (default trending)."})
    status = choice([s.value for s in Status], metadata={"description": "Only ideas with this status."})
    q = Text(200, load_default="", metadata={"description": "Words to search for in titles and descriptions."})


class JourneyArgs(LangArgs):
    raters = choice(journey.GROUPS, load_default="all",
                    metadata={"description": "Whose ratings: all, first-time or returning raters."})


class RatingArgs(LangPageArgs):
    version = Text(40, metadata={"description": "A version's label (default: the current version)."})


class RatingCommentArgs(LangPageArgs):
    version = Text(40, metadata={"description": "A version's label (default: the current version)."})
    touchpoint_id = whole(1, MAX_ID, metadata={"description": "Only comments that scored this touchpoint."})
    score = whole(1, 5, metadata={"description": "Only comments that gave this score (1–5): to that touchpoint, "
                                                 "or without one as the rating's average, rounded."})


class MissArgs(LangArgs):
    state = choice(["open", "closed"], load_default="open")


# --------------------------------------------------------------------------- request bodies

class IdeaIn(Strict):
    title = Text(120, required=True)
    description = Text(10_000, load_default="")
    touchpoint_id = Id(allow_none=True, load_default=None,
                       metadata={"description": "One of the product's touchpoints."})
    version_id = Id(allow_none=True, load_default=None, metadata={"description": "One of the product's versions."})


class CommentIn(Strict):
    body = Text(5_000, required=True)
    parent_id = Id(allow_none=True, load_default=None,
                   metadata={"description": "The comment this one answers (a top-level comment of the same idea)."})


class StatusIn(Strict):
    status = choice([s.value for s in SETTABLE], required=True)
    note = Text(2_000, load_default="", metadata={"description": "Why: shown with the status change."})
    promised_on = fields.Date(allow_none=True, load_default=None,
                              error_messages={"invalid": "must be a date like 2026-12-31."},
                              metadata={"description": "The date promised (planned, in progress)."})
    shipped_version_id = Id(allow_none=True, load_default=None,
                            metadata={"description": "The version that shipped it (needed for shipped)."})


# --------------------------------------------------------------------------- responses

class Person(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class Named(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class CompanyRef(Out):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class ProductOut(Out):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    tagline = fields.String(required=True)
    description = fields.String(required=True)
    visibility = fields.String(required=True)
    company = fields.Nested(CompanyRef, required=True)
    current_version = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    url = fields.Url(required=True)
    html_url = fields.Url(required=True)


class Page(Out):
    next_cursor = fields.String(required=True, allow_none=True,
                                metadata={"description": "Send it as `cursor` for the next page; null on the last."})
    next = fields.Url(required=True, allow_none=True, metadata={"description": "The next page's address, or null."})


class ProductPage(Page):
    data = fields.List(fields.Nested(ProductOut), required=True)


class TouchpointFigure(Out):
    touchpoint_id = fields.Integer(required=True)
    name = fields.String(required=True)
    ratings = fields.Integer(required=True, metadata={"description": "How many raters scored it."})
    grade = fields.Float(required=True, allow_none=True, metadata={"description": "0–10, the raters' mean."})


class RatingFigures(Out):
    """A version's ratings summed up: what anyone who may see the product may read."""

    raters = fields.Integer(required=True)
    grade = fields.Float(required=True, allow_none=True, metadata={"description": "0–10: the mean of raters' grades."})
    lower = fields.Float(required=True, allow_none=True,
                         metadata={"description": "The mean less one standard error (sample SD, ≥ 2 raters)."})
    gap_first = fields.Float(required=True, allow_none=True,
                             metadata={"description": "First-time raters: grade less expected grade."})
    gap_returning = fields.Float(required=True, allow_none=True,
                                 metadata={"description": "Returning raters: grade less expected grade."})
    emotions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    touchpoints = fields.List(fields.Nested(TouchpointFigure), required=True)


class VersionOut(Out):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    notes = fields.String(required=True)
    released_on = fields.Date(required=True)
    released = fields.Boolean(required=True)
    demo_url = fields.String(required=True, allow_none=True)
    ratings = fields.Nested(RatingFigures, required=True)


class VersionPage(Page):
    data = fields.List(fields.Nested(VersionOut), required=True)


class TouchpointOut(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    original_name = fields.String(required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    description = fields.String(required=True)
    active = fields.Boolean(required=True)
    position = fields.Integer(required=True)


class TouchpointList(Out):
    data = fields.List(fields.Nested(TouchpointOut), required=True)


class ScoreOut(Out):
    touchpoint_id = fields.Integer(required=True)
    touchpoint = fields.String(required=True)
    score = fields.Integer(required=True)
    emotion = fields.String(required=True, allow_none=True)


class RatingOut(Out):
    """One rater's rating: for the product's team only."""

    id = fields.Integer(required=True)
    version = fields.String(required=True)
    rater = fields.Nested(Person, required=True)
    returning = fields.Boolean(required=True)
    expected = fields.Integer(required=True, allow_none=True)
    emotion = fields.String(required=True, allow_none=True)
    comment = fields.String(required=True)
    held = fields.Boolean(required=True, metadata={"description": "Held back from the figures (a burst or a network)."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    scores = fields.List(fields.Nested(ScoreOut), required=True)


class RatingPage(Page):
    version = fields.String(required=True, allow_none=True)
    data = fields.List(fields.Nested(RatingOut), required=True)


class FigureTouchpoint(Out):
    touchpoint_id = fields.Integer(required=True)
    name = fields.String(required=True)
    original_name = fields.String(required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    grade = fields.Float(required=True, allow_none=True)
    n = fields.Integer(required=True)
    self_grade = fields.Float(required=True, allow_none=True)
    gap = fields.Float(required=True, allow_none=True)
    blind_spot = fields.Boolean(required=True)
    emotions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    negative_share = fields.Float(required=True, allow_none=True)


class TopIdeaOut(Out):
    idea_id = fields.Integer(required=True)
    title = fields.String(required=True)
    votes = fields.Integer(required=True)
    has_official_response = fields.Boolean(required=True)


class MissFiguresOut(Out):
    touchpoint_id = fields.Integer(required=True, allow_none=True)
    opened = fields.Integer(required=True)
    open = fields.Integer(required=True)
    unanswered_overdue = fields.Integer(required=True)
    median_answer_hours = fields.Float(required=True, allow_none=True)
    answered_within_hour = fields.Float(required=True, allow_none=True)
    recovered = fields.Float(required=True, allow_none=True)
    uplift = fields.Float(required=True, allow_none=True)


class FiguresOut(Out):
    raters = fields.Integer(required=True)
    grade = fields.Float(required=True, allow_none=True)
    lower = fields.Float(required=True, allow_none=True)
    touchpoints = fields.List(fields.Nested(FigureTouchpoint), required=True)
    weakest = fields.Nested(FigureTouchpoint, required=True, allow_none=True)
    gap_first = fields.Float(required=True, allow_none=True)
    gap_returning = fields.Float(required=True, allow_none=True)
    promises_kept = fields.Float(required=True, allow_none=True)
    promises_due = fields.Integer(required=True)
    median_response_hours = fields.Float(required=True, allow_none=True)
    top_ideas = fields.List(fields.Nested(TopIdeaOut), required=True)
    unanswered_top_ideas = fields.Integer(required=True)
    emotions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    delight_share = fields.Float(required=True, allow_none=True)
    negative_share = fields.Float(required=True, allow_none=True)
    previous_delight_share = fields.Float(required=True, allow_none=True)
    previous_negative_share = fields.Float(required=True, allow_none=True)
    previous_emotions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    misses = fields.Nested(MissFiguresOut, required=True)
    miss_touchpoints = fields.List(fields.Nested(MissFiguresOut), required=True)


class ThresholdsOut(Out):
    min_raters = fields.Integer(required=True)
    good_enough = fields.Float(required=True)
    good = fields.Float(required=True)
    good_weakest = fields.Float(required=True)
    excellent = fields.Float(required=True)
    excellent_weakest = fields.Float(required=True)
    promises_kept = fields.Float(required=True)
    response_hours = fields.Float(required=True)
    blind_spot_gap = fields.Float(required=True)
    min_touchpoint_ratings = fields.Integer(required=True)
    top_ideas = fields.Integer(required=True)
    negative_share = fields.Float(required=True)
    miss_response_hours = fields.Float(required=True)


STAGES = ["Prototype", "Good enough", "Good", "Excellent"]


class MaturityOut(Out):
    product = fields.String(required=True)
    name = fields.String(required=True)
    company = fields.String(required=True)
    version = fields.String(required=True, allow_none=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    next_stage = fields.String(required=True, allow_none=True)
    grade = fields.Float(required=True, allow_none=True)
    previous_grade = fields.Float(required=True, allow_none=True)
    trend = fields.String(required=True)
    blockers = fields.List(fields.String(), required=True,
                           metadata={"description": "What keeps the product from the next stage, in English."})
    figures = fields.Nested(FiguresOut, required=True)
    thresholds = fields.Nested(ThresholdsOut, required=True)


class BoardOut(Out):
    data = fields.List(fields.Nested(MaturityOut), required=True)


class StageChangeOut(Out):
    id = fields.Integer(required=True)
    version = fields.String(required=True, allow_none=True)
    from_stage = fields.String(required=True)
    to_stage = fields.String(required=True)
    changed_at = fields.DateTime(required=True)
    grade = fields.Float(required=True, allow_none=True, metadata={"description": "The grade when it changed."})
    raters = fields.Integer(required=True, allow_none=True)
    blockers = fields.List(fields.String(), required=True,
                           metadata={"description": "What kept it from the next stage then, in English."})


class StageHistoryPage(Page):
    data = fields.List(fields.Nested(StageChangeOut), required=True)


class PromiseOut(Out):
    idea_id = fields.Integer(required=True)
    title = fields.String(required=True)
    promised_on = fields.Date(required=True)
    promised_at = fields.DateTime(required=True, allow_none=True)
    shipped_on = fields.Date(required=True, allow_none=True)
    moved_to = fields.Date(required=True, allow_none=True)
    outcome = fields.String(required=True)
    days = fields.Integer(required=True, allow_none=True)


class PromisePage(Page):
    kept = fields.Integer(required=True)
    due = fields.Integer(required=True)
    reliability = fields.Float(required=True, allow_none=True)
    data = fields.List(fields.Nested(PromiseOut), required=True)


class JourneyCell(Out):
    raters = fields.Integer(required=True)
    grade = fields.Float(required=True, allow_none=True)
    lower_bound = fields.Float(required=True, allow_none=True)
    band = fields.String(required=True)
    self_grade = fields.Float(required=True, allow_none=True)
    blind_spot = fields.Boolean(required=True)


class JourneyRow(Out):
    touchpoint = fields.Nested(Named, required=True)
    stage = fields.String(required=True, allow_none=True)
    cells = fields.List(fields.Nested(JourneyCell), required=True)


class JourneyVersion(Out):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    released_on = fields.Date(required=True)


class JourneyOut(Out):
    raters = fields.String(required=True)
    versions = fields.List(fields.Nested(JourneyVersion), required=True)
    rows = fields.List(fields.Nested(JourneyRow), required=True)


class CommentScore(ScoreOut):
    pass


class RatingCommentOut(Out):
    rating_id = fields.Integer(required=True)
    comment = fields.String(required=True)
    rater = fields.String(required=True)
    rated_at = fields.DateTime(required=True)
    returning = fields.Boolean(required=True)
    expected = fields.Integer(required=True, allow_none=True)
    held = fields.Boolean(required=True)
    emotion = fields.String(required=True, allow_none=True)
    scores = fields.List(fields.Nested(CommentScore), required=True)


class RatingCommentPage(Page):
    version = fields.String(required=True, allow_none=True)
    data = fields.List(fields.Nested(RatingCommentOut), required=True)


class ReplyOut(Out):
    body = fields.String(required=True)
    author = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)


class MissOut(Out):
    id = fields.Integer(required=True)
    state = fields.String(required=True)
    version = fields.String(required=True)
    touchpoint_id = fields.Integer(required=True)
    touchpoint = fields.String(required=True)
    score = fields.Integer(required=True)
    expected = fields.Integer(required=True, allow_none=True)
    emotion = fields.String(required=True, allow_none=True)
    comment = fields.String(required=True)
    rater = fields.String(required=True)
    opened_at = fields.DateTime(required=True)
    first_answer_at = fields.DateTime(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    fixed_version = fields.String(required=True, allow_none=True)
    rerated_score = fields.Integer(required=True, allow_none=True)
    recovered_at = fields.DateTime(required=True, allow_none=True)
    replies = fields.List(fields.Nested(ReplyOut), required=True)


class MissList(Out):
    data = fields.List(fields.Nested(MissOut), required=True)


class IdeaOut(Out):
    id = fields.Integer(required=True)
    product = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    vote_count = fields.Integer(required=True)
    comment_count = fields.Integer(required=True)
    voted = fields.Boolean(required=True, metadata={"description": "Whether the token's owner has voted for it."})
    author = fields.Nested(Person, required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    promised_on = fields.Date(required=True, allow_none=True)
    shipped_on = fields.Date(required=True, allow_none=True)
    shipped_version_id = fields.Integer(required=True, allow_none=True)
    merged_into_id = fields.Integer(required=True, allow_none=True)
    heard_by_team = fields.Boolean(required=True,
                                   metadata={"description": "Recorded by the team for a customer they heard."})
    url = fields.Url(required=True)
    html_url = fields.Url(required=True)


class IdeaPage(Page):
    data = fields.List(fields.Nested(IdeaOut), required=True)


class VoteOut(Out):
    idea_id = fields.Integer(required=True)
    voted = fields.Boolean(required=True)
    vote_count = fields.Integer(required=True)


class CommentOut(Out):
    id = fields.Integer(required=True)
    idea_id = fields.Integer(required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    author = fields.Nested(Person, required=True, allow_none=True)
    body = fields.String(required=True)
    is_team = fields.Boolean(required=True)
    official = fields.Boolean(required=True)
    helpful = fields.Boolean(required=True)
    deleted = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    edited_at = fields.DateTime(required=True, allow_none=True)


class CommentList(Out):
    data = fields.List(fields.Nested(CommentOut), required=True)


class ErrorBody(Out):
    status = fields.Integer(required=True)
    title = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Per field (by where it was sent), what was wrong."})


class ErrorOut(Out):
    error = fields.Nested(ErrorBody, required=True)

