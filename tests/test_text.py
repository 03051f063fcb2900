"""Markdown: worst-case input costs a bounded amount of work (issue 15.13) and still reads sanely.

Speed itself is measured, not asserted (docs/security.md has the numbers): here the parser's work is bounded by
counting its steps, and pathological text falls back to escaped plain text."""

from pathlib import Path

import pytest

from cocreate import text
from cocreate.text import MAX_SOURCE, MAX_STEPS, render_markdown

LONGEST = 20_000  # product description and release notes; ideas take 10,000, comments 5,000

WORST = {
    "brackets": "[",
    "images": "![",
    "image in link": "[![](",
    "open links": "[a](",
    "emphasis and brackets": "*[",
    "emphasis": "*a**",
    "lines of brackets": "[\n",
    "one-row table": "|x|y|\n",
    "empty list items": "-\n",
}


def steps(source: str) -> tuple[int, bool]:
    """The parser's steps for a text, and whether it gave up."""
    env = {text._STEPS: 0}
    try:
        text._md.render(source, env)
    except text._TooComplex:
        return env[text._STEPS], True
    return env[text._STEPS], False


@pytest.mark.parametrize("unit", WORST.values(), ids=WORST.keys())
def test_worst_case_markdown_stops_at_the_step_limit_and_shows_the_text(unit):
    source = (unit * (LONGEST // len(unit) + 1))[:LONGEST]
    taken, gave_up = steps(source)
    assert gave_up and taken <= MAX_STEPS + 2
    html = render_markdown(source)
    assert html.startswith("<p>") and "<a" not in html and "<table" not in html
    visible = html.replace("<p>", "").replace("</p>", "").replace("<br>", "").replace("\n", "")
    assert visible.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&") == source.replace("\n", "")


@pytest.mark.parametrize("unit", [">", "> ", "- ", "  - x\n", "`", "<a"])
def test_deep_nesting_is_capped_by_the_parser(unit):
    source = (unit * (LONGEST // len(unit) + 1))[:LONGEST]
    assert steps(source)[0] <= MAX_STEPS + 2
    assert text._md.options["maxNesting"] <= 20
    assert render_markdown(source).count("<blockquote>") <= 20


def test_heavy_real_markdown_is_still_markdown():
    # Real prose with tables, lists and links, as long as the longest text a form takes (the document itself
    # grows with every round of the security work).
    security = (Path(__file__).parent.parent / "docs" / "security.md").read_text()[:LONGEST]
    taken, gave_up = steps(security)
    assert not gave_up and taken < MAX_STEPS / 3
    assert "<table>" in render_markdown(security)
    notes = "".join(f"- **Fixed** [issue {i}](https://example.com/issues/{i}): the `export` of *long* lists\n"
                    for i in range(400))[:LONGEST]
    taken, gave_up = steps(notes)
    assert not gave_up
    html = render_markdown(notes)
    assert "<ul>" in html and html.count("<a ") > 200 and "<code>export</code>" in html


def test_plain_text_fallback_keeps_paragraphs_and_escapes():
    source = "<script>alert(1)</script> [x](javascript:alert(1))\nsecond line\n\n\nnext paragraph " + "![" * 15_000
    html = render_markdown(source)
    assert "<script" not in html and "&lt;script&gt;" in html and "href" not in html
    assert html.startswith("<p>&lt;script&gt;") and "<br>\nsecond line</p>\n<p>next paragraph" in html


def test_longer_than_any_form_takes_is_plain_text():
    html = render_markdown("**bold** " * (MAX_SOURCE // 9 + 1))
    assert "<strong>" not in html and html.startswith("<p>**bold**")
