"""Text shared by every feature: Markdown rendered then sanitised, and slugs."""

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark without raw HTML; nh3 (ammonia) then removes anything unsafe that is left,
# including javascript: links, and marks every link nofollow/noopener.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}
_HEADING_DOWN = str.maketrans({"1": "3", "2": "4"})


def render_markdown(source: str | None) -> str:
    """Safe HTML for user-written Markdown. Headings start at h3 so they sit below the page's own."""
    if not source:
        return ""
    html = _md.render(source)
    html = re.sub(r"<(/?)h([12])>", lambda m: f"<{m.group(1)}h{m.group(2).translate(_HEADING_DOWN)}>", html)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )


def markdown_filter(source: str | None) -> Markup:
    return Markup(render_markdown(source))  # noqa: S704 - sanitised by nh3 above  # nosec B704


def slugify(value: str, max_length: int = 60) -> str:
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return value[:max_length].strip("-") or "item"
