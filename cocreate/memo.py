"""HTML kept in memory, per process, under a key that decides it: the idea cards (everything a card shows is its
key) and the leaderboard's score cells (the score run's stamp is in the key). Nothing is ever invalidated: when
what a fragment shows changes, so does its key, and the old entry is simply not asked for again.

Bounded: past ``size`` entries the memo is emptied and fills again with what people look at (a few MB per worker at
most). Plain dict operations, atomic under the GIL, so threads of one worker share it safely.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


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
