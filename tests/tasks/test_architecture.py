"""docs/architecture.md stays true: its event table names every event and exactly the features that react."""

import re
import weakref
from pathlib import Path

from cocreate import events

DOC = Path(__file__).parents[2] / "docs" / "architecture.md"


def documented() -> dict[str, set[str]]:
    table = DOC.read_text().split("<!-- events:")[1].split("<!-- /events -->")[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            names = re.sub(r"\([^)]*\)", "", cells[2])  # "maturity (stage), notifications (…)" → the features
            subscribers = set() if names.startswith("none") else {n.strip() for n in names.split(",")}
            rows[cells[0].strip("`")] = subscribers
    return rows


def connected(app) -> dict[str, set[str]]:
    found = {}
    for value in vars(events).values():
        if hasattr(value, "receivers") and hasattr(value, "send"):
            receivers = [r() if isinstance(r, weakref.ref) else r for r in value.receivers.values()]
            found[value.name] = {f.__module__.split(".")[1] for f in receivers}
    return found


def test_the_event_table_matches_the_code(app):
    assert documented() == connected(app)
