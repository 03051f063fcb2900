"""Cursor pagination for the API's lists (keyset: "the rows after this one in this order").

A page is ``limit`` rows after the cursor, read as ``limit + 1`` rows so that whether a next page exists costs
no count. The cursor is the last row's sort key, signed (itsdangerous), so a client can only send back what the
API gave it; a page stays right when rows are added before it, unlike an offset.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from cocreate.extensions import db


@dataclass(frozen=True)
class Key:
    """One column of a list's order: ``descending`` as the list runs; ``kind`` turns JSON back into the value."""

    column: Any
    descending: bool = True
    kind: Callable[[Any], Any] | None = None


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api-cursor")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def encode(values: Sequence[Any], list_name: str) -> str:
    return _signer().dumps([list_name, [_plain(v) for v in values]])


def decode(cursor: str, keys: Sequence[Key], list_name: str) -> list[Any]:
    """The sort key a cursor holds; a 422 for one the API did not give for this list (the schema already refused
    what cannot be a cursor at all with a 400)."""
    try:
        name, values = _signer().loads(cursor)
        if name != list_name or not isinstance(values, list) or len(values) != len(keys):
            raise ValueError(name)
        return [key.kind(value) if key.kind and value is not None else value for key, value in zip(keys, values,
                                                                                                  strict=True)]
    except (BadSignature, ValueError, TypeError):
        abort(422, "“cursor” is not one this list gave: start again without it.")


def after(keys: Sequence[Key], values: Sequence[Any]):
    """The rows that come after ``values`` in the order of ``keys`` (as OR of ANDs: portable, index-friendly)."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [k.column == v for k, v in zip(keys[:i], values[:i], strict=True)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


def order(keys: Sequence[Key]) -> list:
    return [key.column.desc() if key.descending else key.column.asc() for key in keys]


@dataclass
class Page:
    items: list
    next_cursor: str | None

    def body(self, data: list, endpoint: str, **view_args) -> dict:
        """The page as the API answers it: ``data``, ``next_cursor`` and ``next`` (the next page's address)."""
        following = None
        if self.next_cursor:
            args = {k: v for k, v in request.args.items() if k != "cursor"}
            following = url_for(endpoint, **view_args, **args, cursor=self.next_cursor, _external=True)
        return {"data": data, "next_cursor": self.next_cursor, "next": following}


def page(statement, keys: Sequence[Key], *, cursor: str | None, limit: int, list_name: str,
         key_of: Callable[[Any], Sequence[Any]], scalars: bool = True) -> Page:
    """One page of ``statement`` (entities when ``scalars``, else rows), in the order of ``keys``."""
    if cursor:
        statement = statement.where(after(keys, decode(cursor, keys, list_name)))
    statement = statement.order_by(*order(keys)).limit(limit + 1)
    found = list(db.session.scalars(statement).unique() if scalars else db.session.execute(statement))
    more = len(found) > limit
    items = found[:limit]
    return Page(items, encode(key_of(items[-1]), list_name) if more else None)
