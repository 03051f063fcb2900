"""Geometry of the server-drawn SVG charts; the templates only place what is computed here.

Both charts are drawn in a fixed viewBox and scale with the page (CSS width: 100%), so they stay
readable on a 390 px phone: labels sit above the bars instead of beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cocreate import numbers
from cocreate.maturity import figures
from cocreate.products.touchpoint_names import localized

WIDTH = 480


def fmt(x: float | None) -> str:
    """A grade as every page writes it (cocreate.numbers.grade): "7.4", "7,4"; a dash when there is none."""
    return numbers.grade(x)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class BarRow:
    name: str
    label_y: float
    customers: Bar | None
    team: Bar | None
    n: int
    blind_spot: bool
    gap: float | None
    band_y: float
    band_height: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: float
    right: float
    ticks: list[tuple[float, str]]
    rows: list[BarRow] = field(default_factory=list)
    axis_y: float = 0


def touchpoint_chart(tps: Sequence[figures.TouchpointGrade]) -> BarChart:
    """Customers' and the team's grade (0-10) of each touchpoint, two bars a row."""
    left, right, top = 8.0, WIDTH - 44.0, 24.0
    scale = (right - left) / 10
    row_h, bar_h = 64.0, 14.0
    rows = []
    for i, tp in enumerate(tps):
        y = top + i * row_h
        customers = None if tp.grade is None else Bar(left, y + 20, max(tp.grade * scale, 1), bar_h, fmt(tp.grade))
        team = None if tp.self_grade is None else Bar(left, y + 38, max(tp.self_grade * scale, 1), bar_h,
                                                       fmt(tp.self_grade))
        rows.append(BarRow(localized(tp), y + 14, customers, team, tp.n, tp.blind_spot, tp.gap, y + 2, row_h - 6))
    height = int(top + len(rows) * row_h + 4)
    ticks = [(left + v * scale, str(v)) for v in range(0, 11, 2)]
    return BarChart(WIDTH, height, left, right, ticks, rows, axis_y=top - 8)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    version: str
    raters: int


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    y_ticks: list[tuple[float, str]]
    references: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    points: list[Point]
    segments: list[str]


def grade_chart(grades: Sequence, thresholds: figures.Thresholds) -> LineChart:
    """Overall grade (0-10) per version, oldest left; versions without ratings break the line.

    ``grades`` holds objects with ``version.label``, ``grade`` and ``raters`` (services.VersionGrade).
    """
    left, right, top, bottom = 34.0, WIDTH - 12.0, 14.0, 176.0
    height = 206

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * v / 10

    n = len(grades)
    step = (right - left) / n if n else 0

    def x_of(i: int) -> float:
        return left + step * (i + 0.5)

    points: list[Point] = []
    segments: list[list[Point]] = []
    current: list[Point] = []
    for i, g in enumerate(grades):
        if g.grade is None:
            if current:
                segments.append(current)
            current = []
            continue
        point = Point(round(x_of(i), 1), round(y_of(g.grade), 1), fmt(g.grade), g.version.label, g.raters)
        points.append(point)
        current.append(point)
    if current:
        segments.append(current)
    references = [(round(y_of(v), 1), name) for v, name in (
        (thresholds.good_enough, figures.GOOD_ENOUGH), (thresholds.good, figures.GOOD),
        (thresholds.excellent, figures.EXCELLENT))]
    return LineChart(
        WIDTH, height, left, right, top, bottom,
        y_ticks=[(round(y_of(v), 1), str(v)) for v in range(0, 11, 2)],
        references=references,
        x_labels=[(round(x_of(i), 1), g.version.label) for i, g in enumerate(grades)],
        points=points,
        segments=[" ".join(f"{p.x},{p.y}" for p in seg) for seg in segments if len(seg) > 1],
    )


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    key: str  # the emotion
    family: str  # "delight", "positive" or "negative": the colour (the pattern of negative ones reads without it)
    count: int
    label: str  # the count, shown inside the segment when it fits


@dataclass(frozen=True)
class MixRow:
    name: str
    label_y: float
    bar_y: float
    total: int
    segments: list[Segment]
    negative_share: float | None
    delight_share: float | None


@dataclass(frozen=True)
class MixChart:
    width: int
    height: int
    left: float
    right: float
    bar_height: float
    rows: list[MixRow]


def _family(key: str) -> str:
    from cocreate.maturity.emotions import BY_KEY

    emotion = BY_KEY[key]
    return "negative" if emotion.negative else "delight" if emotion.delight else "positive"


def emotion_chart(fig: figures.Figures, version: str | None, previous: str | None) -> MixChart:
    """The emotion mix as 100 % bars: the version as a whole, the previous version (how it moved), then each
    touchpoint. Segments follow the fixed order of the emotions (delight, other pleasant, negative), so the
    negative share always sits at the right end of a bar."""
    from cocreate.maturity.emotions import KEYS

    left, right, top = 8.0, WIDTH - 8.0, 8.0
    row_h, bar_h = 46.0, 18.0
    wanted: list[tuple[str, dict[str, int]]] = []
    if fig.emotions:
        wanted.append((version or "", fig.emotions))
    if fig.previous_emotions and previous:
        wanted.append((previous, fig.previous_emotions))
    wanted += [(localized(tp), tp.emotions) for tp in fig.touchpoints if tp.emotions]
    rows = []
    for i, (name, counts) in enumerate(wanted):
        y = top + i * row_h
        total = sum(counts.values())
        x, segments = left, []
        for key in KEYS:
            n = counts.get(key, 0)
            if not n:
                continue
            width = (right - left) * n / total
            segments.append(Segment(round(x, 1), round(width, 1), key, _family(key), n, str(n) if width >= 16 else ""))
            x += width
        delight, negative = figures.emotion_shares(counts)
        rows.append(MixRow(name, y + 12, y + 18, total, segments, negative, delight))
    return MixChart(WIDTH, int(top + len(rows) * row_h + 4), left, right, bar_h, rows)
