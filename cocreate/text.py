"""Text shared by every feature: Markdown rendered then sanitised, and slugs."""

import html
import re
import unicodedata
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark without raw HTML; nh3 (ammonia) then removes anything unsafe that is left,
# including javascript: links, and marks every link nofollow/noopener.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

# What one text may cost (issue 15.13). markdown-it-py is linear, but some markup costs ~16 µs a character:
# 20,000 characters of "[![](" took 330 ms, of "![" 210 ms, while 20,000 characters of prose or of this
# project's docs take 1–4 ms. Every rule the parser tries counts as a step (a block rule 2, an inline rule 1);
# a text that needs more than MAX_STEPS is shown as escaped plain text with its paragraphs and line breaks: the
# worst inputs now take 14–32 ms (measured, in docs/security.md). 20,000 characters of release notes with a
# link, bold, code and emphasis on every line take ~22,600 steps; docs/security.md (tables, links, code) ~5,500.
# Longer texts than any form takes are plain text too. tests/test_text.py.
MAX_STEPS = 25_000
MAX_SOURCE = 20_000
_STEPS = "cocreate_steps"


class _TooComplex(Exception):
    pass


def _counted(rule: Any, weight: int) -> Any:
    def counted_rule(state, *args):
        steps = state.env[_STEPS] = state.env[_STEPS] + weight
        if steps > MAX_STEPS:
            raise _TooComplex
        return rule(state, *args)

    return counted_rule


# A block rule's step weighs 2: it makes more tokens to render (a table row, a list item) than an inline one.
_rulers: tuple[tuple[Any, int], ...] = ((_md.block.ruler, 2), (_md.inline.ruler, 1))
for _ruler, _weight in _rulers:
    for _rule in list(_ruler.__rules__):
        _ruler.at(_rule.name, _counted(_rule.fn, _weight), {"alt": list(_rule.alt)})

_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}
_HEADING_DOWN = str.maketrans({"1": "3", "2": "4"})


def render_markdown(source: str | None) -> str:
    """Safe HTML for user-written Markdown. Headings start at h3 so they sit below the page's own."""
    if not source:
        return ""
    try:
        if len(source) > MAX_SOURCE:
            raise _TooComplex
        markup = _md.render(source, {_STEPS: 0})
    except _TooComplex:
        markup = plain_text_html(source)
    markup = re.sub(r"<(/?)h([12])>", lambda m: f"<{m.group(1)}h{m.group(2).translate(_HEADING_DOWN)}>", markup)
    return nh3.clean(
        markup,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )


def plain_text_html(source: str) -> str:
    """The text as written, escaped: a paragraph per blank-line-separated block, <br> for the other line breaks."""
    blocks = re.split(r"\n[ \t]*\n\s*", source.replace("\r\n", "\n").replace("\r", "\n").strip())
    return "".join("<p>" + html.escape(block, quote=False).replace("\n", "<br>\n") + "</p>\n"
                   for block in blocks if block)


def markdown_filter(source: str | None) -> Markup:
    return Markup(render_markdown(source))  # noqa: S704 - sanitised by nh3 above  # nosec B704


def slugify(value: str, max_length: int = 60) -> str:
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return value[:max_length].strip("-") or "item"
