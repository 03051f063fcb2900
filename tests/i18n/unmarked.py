"""Finds user-facing text that is not marked for translation, in the templates and in the Python code.

Run it directly to see what is left: ``.venv/bin/python -m tests.i18n.unmarked [path ...]``.
It is a heuristic with few false alarms; what it cannot see (text built in services and shown later) the
catalogue and page tests catch.
"""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Words that are the same in every language: names, formats, units.
ALLOWED_WORDS = {
    "Cocreate", "API", "CSV", "JSON", "Atom", "OpenAPI", "HMAC", "SHA256", "HTTP", "HTTPS", "URL", "SVG", "UTC",
    "ID", "RSS", "CSRF", "htmx", "v0", "Markdown", "HMAC-SHA256", "X-Cocreate-Signature", "Excel",
}
# Templates that are not pages: machine formats.
SKIP_TEMPLATES = {"feeds/product.atom.xml"}

_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_TRANS = re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", re.S)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_ATTRIBUTE = re.compile(
    r"""\b(alt|title|placeholder|aria-label|aria-description|aria-roledescription)\s*=\s*(["'])(.*?)\2""", re.S | re.I)
_TAG = re.compile(r"<[^>]*>", re.S)
_ENTITY = re.compile(r"&[#\w]+;")
_WORD = re.compile(r"[^\W\d_]{2,}")
_LITERAL = re.compile(r"""(?<![\w.])(["'])((?:(?!\1).)*)\1""")
_STRUCTURE = re.compile(r"\{%-?\s*(extends|include|import|from|block|endblock|macro|call|set \w+ = ['\"][\w./-]+['\"])")
_MARKED_CALL = re.compile(r"(?:\b_|\bgettext|\bngettext|\bpgettext)\(\s*$")


def _words(text: str) -> list[str]:
    text = _ENTITY.sub(" ", text)
    return [w for w in _WORD.findall(text) if w not in ALLOWED_WORDS]


def _looks_like_prose(literal: str) -> bool:
    """'deleted user', 'Released', 'Planned for': prose. 'muted small', 'ideas.show', '%d %%', 'GET': not."""
    if literal.isupper() or (" " not in literal and "/" in literal):  # 'GET', 'image/png,image/jpeg'
        return False
    if not _words(literal) or re.fullmatch(r"[\w.\-:/#%+ ]*", literal) and literal == literal.lower() and \
            (" " not in literal.strip() or re.search(r"[-_.:/#]", literal)):
        return False
    lower_words = re.fullmatch(r"[a-z0-9_\-]+( [a-z0-9_\-]+)*", literal)
    if lower_words and not re.search(r"\b[a-z]{3,} [a-z]{3,} ", literal + " "):
        # lower-case words only: CSS classes ('button small') unless it reads like a phrase of 3+ words
        return len(literal.split()) >= 3 and not re.search(r"[-_]", literal)
    return True


def unmarked_in_template(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    problems: list[str] = []
    # Literal strings inside expressions and statements, unless passed to _() / ngettext().
    stripped = _TRANS.sub(" ", _COMMENT.sub(" ", source))
    for block in _JINJA.finditer(stripped):
        code = block.group(0)
        if _STRUCTURE.match(code):
            continue
        for literal in _LITERAL.finditer(code):
            before = code[: literal.start()]
            if _MARKED_CALL.search(before) or re.search(r"(url_for|static|include|import|extends)\(\s*$", before):
                continue
            if re.search(r"\bngettext\([^)]*$", before) or re.search(r"\b_\([^)]*,\s*\w+=\s*$", before):
                continue
            if _looks_like_prose(literal.group(2)):
                problems.append(f"literal {literal.group(0)!r} in {code[:80]!r}")
    # Text between tags and in the attributes people read.
    html = _SCRIPT.sub(" ", stripped)
    html = _JINJA.sub(" ", html)
    for attribute in _ATTRIBUTE.finditer(html):
        if _words(attribute.group(3)):
            problems.append(f"attribute {attribute.group(0)!r}")
    text = _TAG.sub("\n", html)
    for line in text.splitlines():
        if _words(line):
            problems.append(f"text {line.strip()!r}")
    return problems


# --- Python: flash(), form labels and messages, SelectChoice labels, errors appended to fields -------------

_FIELD = re.compile(r"\w*Field$")
# Which positional argument of these calls is text for people (form fields: their label, the first).
_TEXT_ARGUMENT = {"flash": 0, "ValidationError": 0, "DataRequired": 0, "InputRequired": 0, "Optional": 0,
                  "EqualTo": 1, "SelectChoice": 1, "append": 0}  # append: form.x.errors.append(...)


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_words(node.value)) and not re.fullmatch(r"[a-z0-9_.\-]+", node.value)  # not "ideas.show"
    if isinstance(node, ast.JoinedStr):
        return any(_is_text(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def unmarked_in_python(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        position = _TEXT_ARGUMENT.get(name, 0 if _FIELD.match(name) else None)
        if name == "append" and not (isinstance(node.func, ast.Attribute) and _name(node.func.value) == "errors"):
            position = None
        suspects: list[ast.AST] = [node.args[position]] if position is not None and len(node.args) > position else []
        for keyword in node.keywords:
            if keyword.arg in {"message", "label", "description", "render_kw_placeholder"} and (
                    _FIELD.match(name) or name[:1].isupper()):
                suspects.append(keyword.value)
        for suspect in suspects:
            if _is_text(suspect):
                problems.append(f"line {node.lineno}: {ast.unparse(node)[:100]}")
    return problems


def templates() -> list[Path]:
    base = ROOT / "templates"
    return sorted(p for p in base.rglob("*") if p.is_file() and p.relative_to(base).as_posix() not in SKIP_TEMPLATES)


def python_files() -> list[Path]:
    return sorted(p for p in (ROOT / "cocreate").rglob("*.py") if "demo" not in p.parts)


def report(paths: list[Path] | None = None) -> dict[str, list[str]]:
    found = {}
    for path in paths or (templates() + python_files()):
        check = unmarked_in_python if path.suffix == ".py" else unmarked_in_template
        problems = check(path)
        if problems:
            found[path.relative_to(ROOT).as_posix()] = problems
    return found


if __name__ == "__main__":
    selected = [Path(a).resolve() for a in sys.argv[1:]]
    expanded = [f for p in selected for f in ([p] if p.is_file() else sorted(
        x for x in p.rglob("*") if x.is_file() and x.suffix in {".py", ".html", ".txt"}))]
    for file, problems in report(expanded or None).items():
        print(file)
        for problem in problems:
            print("   ", problem)
