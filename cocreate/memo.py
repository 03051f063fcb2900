"""HTML kept in memory, per process, under a key that decides it: the idea cards (everything a card shows is its
key), the leaderboard's score cells (the score run's stamp is in the key), the page's frame (cocreate/frame.py) and
the parts of pages a template marks with ``{% memo key %}`` (``FragmentMemo``). Nothing is ever invalidated: when
what a fragment shows changes, so does its key, and the old entry is simply not asked for again.

Bounded: past ``size`` entries the memo is emptied and fills again with what people look at (a few MB per worker at
most). Plain dict operations, atomic under the GIL, so threads of one worker share it safely.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import Environment, nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup, escape


class Memo:
    def __init__(self, size: int):
        self.size = size
        self._entries: dict[Hashable, Any] = {}

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The fragment under `key`, made by `make()` the first time."""
        found = self._entries.get(key)
        if found is None:
            if len(self._entries) >= self.size:
                self._entries.clear()
            found = self._entries[key] = make()
        return found

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def clear(self) -> None:
        self._entries.clear()


class FragmentMemo(Extension):
    """``{% memo key %}…{% endmemo %}``: the body rendered once per process, template, place, language and key,
    then served from memory. The key must hold everything the body shows (a product's name, the filters chosen, …):
    the body is not rendered again while the key stays the same, and another key is another entry, so nothing is
    ever stale and nothing needs invalidating.

    What differs per request inside a kept fragment goes in a hole: ``{% memo key, holes={"token": csrf_token()}
    %}…{{ hole("token") }}…{% endmemo %}`` keeps a mark where the hole is and puts this request's value there.
    """

    tags = {"memo"}

    def __init__(self, environment: Environment):
        super().__init__(environment)
        environment.globals["hole"] = _hole

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        args: list[nodes.Expr] = [nodes.Const(parser.name), nodes.Const(lineno), parser.parse_expression()]
        holes: nodes.Expr = nodes.Const(None)
        if parser.stream.skip_if("comma"):
            parser.stream.expect("name:holes")
            parser.stream.expect("assign")
            holes = parser.parse_expression()
        args.append(holes)
        body = parser.parse_statements(("name:endmemo",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_kept", args), [], [], body).set_lineno(lineno)

    def _kept(self, template: str | None, lineno: int, key: Hashable, holes: dict[str, str] | None,
              caller: Callable[[], str]) -> str:
        from flask import request
        from flask_babel import get_locale

        html = FRAGMENTS.get((template, lineno, str(get_locale()), request.script_root, _hashable(key)), caller)
        for name, value in (holes or {}).items():
            html = html.replace(_hole(name), escape(value))
        return html


def _hashable(value: Any) -> Hashable:
    """A key written in a template may hold lists (of tags, of products): as tuples."""
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


def _hole(name: str) -> Markup:
    return Markup(f"\x00hole:{name}\x00")  # noqa: S704 - a fixed mark, no outside text  # nosec B704


FRAGMENTS = Memo(20_000)  # kept fragments of pages ({% memo %}): a few KB each, a few tens of MB a worker at most
