"""CSV export and import of a product's ideas. Services flush; the caller commits.

Export: one row per idea (merged duplicates left out: their voters count in the idea they were merged
into), UTF-8 with a BOM so spreadsheet programs read accents right. Cells that a spreadsheet would run as
a formula (starting with = + - @ tab or carriage return) get a leading apostrophe; the import removes it
again, so export → import gives back the same text.

Import: columns title (required), description, votes, status; header names are matched case-insensitively,
other columns are ignored; comma, semicolon or tab separated. Each row is accepted or rejected with its
line number and the reason; nothing is written until the team confirms the preview.

Votes from another tool have no voters here, so they are stored as ``Idea.imported_votes``:
``vote_count`` shows real votes + imported votes, votes cast here add to it, and a merge recount keeps
the target's imported votes (a merged duplicate's imported votes are not carried over: they cannot be
told apart from votes the target already has). Imported ideas have no author, are not announced
(no notifications, no webhooks), and a "shipped" status names no version.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import format_number
from sqlalchemy.orm import joinedload

from cocreate.extensions import db, utcnow
from cocreate.i18n import _
from cocreate.ideas.models import Idea, Status
from cocreate.ideas.services import hot_score
from cocreate.products.models import Product
from cocreate.refusal import N_, Refused
from cocreate.text import render_markdown

EXPORT_HEADER = ["title", "description", "status", "votes", "comments", "created", "promised", "shipped_version",
                 "touchpoint", "heard_by_team"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 5_000
MAX_BYTES = 1024 * 1024
MAX_VOTES = 1_000_000
TITLE_MAX, DESCRIPTION_MAX = 120, 10_000
IMPORTABLE = [s for s in Status if s != Status.MERGED]
# Status names a file may use (English, like the column names): "under_review" or "under review".
_STATUS_NAMES = {name: s for s in IMPORTABLE for name in (s.value, s.value.replace("_", " "))}


class ImportError_(Refused):  # noqa: N801 (not the builtin ImportError)
    """The file as a whole cannot be read; the message says why (in the page's language: parse at request time)."""


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def export_csv(product: Product, language: str = "en") -> bytes:
    """The product's ideas; the touchpoint named in `language` (the reader's), like everywhere else."""
    ideas = db.session.scalars(
        sa.select(Idea).where(Idea.product_id == product.id, Idea.status != Status.MERGED)
        .options(joinedload(Idea.shipped_version), joinedload(Idea.touchpoint)).order_by(Idea.created_at, Idea.id)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for idea in ideas:
        writer.writerow([_cell(v) for v in (
            idea.title, idea.description, idea.status.value, idea.vote_count, idea.comment_count,
            idea.created_at.isoformat(timespec="seconds"), idea.promised_on.isoformat() if idea.promised_on else "",
            idea.shipped_version.label if idea.shipped_version else "",
            idea.touchpoint.name_in(language) if idea.touchpoint else "",
            "yes" if idea.recorded_by_id is not None else "",
        )])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass
class Row:
    line: int
    title: str
    description: str
    votes: int
    status: Status


@dataclass
class Rejected:
    line: int
    reason: str
    title: str = ""


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _text_of(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportError_(N_("The file is larger than %(size)s KB; split it into smaller files."),
                           size=MAX_BYTES // 1024)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportError_(N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")) from error
    if "\x00" in text:
        raise ImportError_(N_("The file contains NUL characters; it does not look like a CSV file."))
    return text


def parse(data: bytes) -> Parsed:
    text = _text_of(data)
    if not text.strip():
        raise ImportError_(N_("The file is empty."))
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as error:
        raise ImportError_(N_("Line %(line)s cannot be read as CSV: %(error)s."), line=1, error=error) from error
    if "title" not in header:
        raise ImportError_(N_("The first line must name the columns, with at least “title” "
                             "(and optionally description, votes, status)."))
    index: dict[str, int] = {name: header.index(name) for name in ("title", "description", "votes", "status")
                             if name in header}
    parsed = Parsed(ignored_columns=[h for h in header if h and h not in index and h not in EXPORT_HEADER])
    line = reader.line_num
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(parsed.rows) + len(parsed.rejected) >= MAX_ROWS:
                raise ImportError_(N_("The file has more than %(count)s ideas; split it into smaller files."),
                                   count=format_number(MAX_ROWS))
            _parse_row(record, index, start, parsed)
    except csv.Error as error:
        raise ImportError_(N_("Line %(line)s cannot be read as CSV: %(error)s."), line=line + 1, error=error) from error
    return parsed


def _parse_row(record: list[str], index: dict[str, int], line: int, parsed: Parsed) -> None:
    def get(name: str) -> str:
        i = index.get(name)
        return _uncell(record[i]) if i is not None and i < len(record) else ""

    title = get("title").strip()
    description = get("description")
    raw_votes = get("votes").strip()
    raw_status = get("status").strip().lower()
    problem = None
    votes = 0
    status = Status.OPEN
    if not title:
        problem = _("The title is empty.")
    elif len(title) > TITLE_MAX:
        problem = _("The title is longer than %(max)s characters.", max=TITLE_MAX)
    elif len(description) > DESCRIPTION_MAX:
        problem = _("The description is longer than %(max)s characters.", max=format_number(DESCRIPTION_MAX))
    elif raw_votes and not (raw_votes.isascii() and raw_votes.isdigit()):
        problem = _("Votes must be a whole number of 0 or more, not “%(value)s”.", value=raw_votes[:20])
    elif raw_votes and int(raw_votes) > MAX_VOTES:
        problem = _("Votes must be at most %(max)s.", max=format_number(MAX_VOTES))
    elif raw_status and raw_status not in _STATUS_NAMES:
        problem = _("Unknown status “%(value)s”; use one of: %(statuses)s.", value=raw_status[:30],
                    statuses=", ".join(s.value for s in IMPORTABLE))
    else:
        votes = int(raw_votes) if raw_votes else 0
        status = _STATUS_NAMES[raw_status] if raw_status else Status.OPEN
    if problem:
        parsed.rejected.append(Rejected(line, problem, title[:TITLE_MAX]))
    else:
        parsed.rows.append(Row(line, title, description, votes, status))


def import_rows(product: Product, rows: Iterable[Row]) -> list[Idea]:
    """Create the accepted rows as ideas of the product (see the module's notes on votes)."""
    now = utcnow()
    ideas = []
    for row in rows:
        idea = Idea(product_id=product.id, product=product, author=None, title=row.title,
                    description=row.description, description_html=render_markdown(row.description),
                    status=row.status, vote_count=row.votes, imported_votes=row.votes, comment_count=0,
                    created_at=now, hot=hot_score(row.votes, 0, now))
        db.session.add(idea)
        ideas.append(idea)
    db.session.flush()
    return ideas
