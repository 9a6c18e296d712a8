"""Geometry of the dashboard's inline SVG charts (drawn by templates, no JavaScript).

Pure functions: numbers in, coordinates out (SVG user units, y grows downwards). Labels of the
axes are formatted by the caller-supplied ``fmt`` so that money and rates read the same as in
the rest of the page (their unit: ¥, %); each axis may carry a title (``x_title``, ``y_title``).
Month labels are thinned so that none overlaps another, whatever the language's month names
(``2026年10月`` is wider than ``Oct 2026``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 600
HEIGHT = 220
LEFT = 100  # room for the y-axis title and labels
RIGHT = 12
TOP = 12
BOTTOM = 28  # room for the x-axis labels
TITLE = 16  # more room below for the x-axis title
FONT = 11  # the axis labels' font size (kizuna.css ``.chart .axis``)
GAP = 10  # at least this much space between two x-axis labels

#: colours of the series (the stylesheet's palette, repeated here because SVG needs them inline)
PALETTE = ("#2f5d8a", "#1e7e4a", "#6b3fa0", "#b7791f", "#4a7c59", "#b42318", "#616e7c")
UP = "#1e7e4a"
DOWN = "#b42318"
TOTAL = "#2f5d8a"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str
    anchor: str = "middle"
    second: str = ""  # a second line, when the label is too wide for its place


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str
    label: str = ""

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    paths: tuple[str, ...]
    dashed: bool = False
    last: tuple[float, float] | None = None


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    bars: tuple[Bar, ...] = ()
    lines: tuple[Line, ...] = ()
    zero_y: float | None = None
    connectors: tuple[tuple[float, float, float], ...] = field(default=())  # (x1, x2, y)
    x_title: str = ""
    y_title: str = ""
    left: int = LEFT

    @property
    def label_y(self) -> int:
        """Baseline of the x-axis labels (the title, if any, goes below them)."""
        return self.height - 8 - (TITLE if self.x_title else 0)

    @property
    def x_title_x(self) -> float:
        """Centre of the plot area, where the x-axis title goes."""
        return round((self.left + self.width - RIGHT) / 2, 1)

    @property
    def y_title_at(self) -> tuple[int, float]:
        """Where the rotated y-axis title is centred."""
        return (12, round(TOP + (self.height - TOP - BOTTOM) / 2, 1))


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    colour: str
    dashed: bool = False


def nice_step(span: float, count: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) that cuts ``span`` into about ``count`` parts."""
    if span <= 0:
        return 1.0
    raw = span / count
    power = float(10 ** math.floor(math.log10(raw)))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


class _Scale:
    def __init__(self, low: float, high: float, height: int) -> None:
        if high <= low:
            high = low + 1
        step = nice_step(high - low)
        self.low = math.floor(low / step) * step
        self.high = math.ceil(high / step) * step
        self.step = step
        self.plot = height - TOP - BOTTOM

    def y(self, value: float) -> float:
        return round(TOP + (self.high - value) / (self.high - self.low) * self.plot, 1)

    def ticks(self, fmt: Callable[[float], str]) -> tuple[Tick, ...]:
        count = round((self.high - self.low) / self.step)
        values = [self.low + i * self.step for i in range(count + 1)]
        return tuple(Tick(y=self.y(value), label=fmt(value)) for value in values)


def text_width(text: str, size: float = FONT) -> float:
    """Rough width of ``text`` in SVG units: a full-width (CJK) character is one em, others
    about 0.6 em (enough to keep labels apart; no font metrics are read)."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def _span(label: XLabel) -> tuple[float, float]:
    width = text_width(label.label)
    if label.anchor == "start":
        return label.x, label.x + width
    if label.anchor == "end":
        return label.x - width, label.x
    return label.x - width / 2, label.x + width / 2


def _x_labels(labels: Sequence[str], xs: Sequence[float], every: int) -> tuple[XLabel, ...]:
    """The first and last label, and every ``every``-th between (more apart when the labels are
    wide), keeping only those that do not overlap a label already kept."""
    if not labels:
        return ()
    last = len(labels) - 1
    spacing = (xs[-1] - xs[0]) / last if last else float(WIDTH)
    widest = max(text_width(label) for label in labels)
    every = max(every, math.ceil((widest + GAP) / max(spacing, 1.0)))
    first = XLabel(x=xs[0], label=labels[0], anchor="start")
    end = XLabel(x=float(WIDTH - RIGHT), label=labels[last], anchor="end")
    kept = [first] if last == 0 else [first, end]
    for index in range(every, last, every):
        candidate = XLabel(x=xs[index], label=labels[index])
        low, high = _span(candidate)
        if all(high + GAP <= _span(k)[0] or low >= _span(k)[1] + GAP for k in kept):
            kept.append(candidate)
    return tuple(sorted(kept, key=lambda label: label.x))


def _two_lines(x: float, label: str, *, room: float) -> XLabel:
    """A centred label, broken at its middle space into two lines when wider than ``room``."""
    words = label.split(" ")
    if text_width(label) <= room or len(words) < 2:
        return XLabel(x=x, label=label)
    cut = min(
        range(1, len(words)),
        key=lambda n: abs(text_width(" ".join(words[:n])) - text_width(" ".join(words[n:]))),
    )
    return XLabel(x=x, label=" ".join(words[:cut]), second=" ".join(words[cut:]))


def _staggered(labels: list[XLabel], *, room: float) -> tuple[XLabel, ...]:
    """One-word labels wider than ``room`` go one line lower, unless the label before them
    went lower already, so that two neighbours never share a line and touch."""
    out: list[XLabel] = []
    lowered = False
    for label in labels:
        wide = not label.second and text_width(label.label) > room
        if wide and not lowered:
            out.append(XLabel(x=label.x, label="", anchor=label.anchor, second=label.label))
            lowered = True
        else:
            out.append(label)
            lowered = False
    return tuple(out)


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[float], str],
    floor_at_zero: bool = True,
    height: int = HEIGHT,
    x_title: str = "",
    y_title: str = "",
) -> Chart:
    """Lines over months; a None value breaks the line (undefined is not zero)."""
    values = [v for s in series for v in s.values if v is not None]
    low = min(values, default=0.0)
    scale = _Scale(min(low, 0.0) if floor_at_zero else low, max(values, default=1.0), height)
    step = (WIDTH - LEFT - RIGHT) / max(len(labels) - 1, 1)
    xs = [round(LEFT + i * step, 1) for i in range(len(labels))]
    lines = []
    for s in series:
        paths: list[list[str]] = []
        current: list[str] = []
        last: tuple[float, float] | None = None
        for x, value in zip(xs, s.values, strict=True):
            if value is None:
                if current:
                    paths.append(current)
                current = []
                continue
            last = (x, scale.y(value))
            current.append(f"{x},{last[1]}")
        if current:
            paths.append(current)
        lines.append(
            Line(
                name=s.name,
                colour=s.colour,
                dashed=s.dashed,
                paths=tuple(" ".join(points) for points in paths),
                last=last,
            )
        )
    return Chart(
        width=WIDTH,
        ticks=scale.ticks(fmt),
        x_labels=_x_labels(labels, xs, every=6),
        lines=tuple(lines),
        height=height + (TITLE if x_title else 0),
        x_title=x_title,
        y_title=y_title,
    )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[int],
    *,
    fmt: Callable[[float], str],
    height: int = HEIGHT,
    x_title: str = "",
    y_title: str = "",
) -> Chart:
    """Signed bars over months from a zero line (gains up in green, losses down in red)."""
    scale = _Scale(min(min(values, default=0), 0), max(max(values, default=0), 1), height)
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    zero = scale.y(0)
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = scale.y(value)
        bars.append(
            Bar(
                x=round(LEFT + index * step + 1, 1),
                y=min(y, zero),
                width=round(max(step - 2, 1), 1),
                height=round(abs(zero - y), 1),
                colour=UP if value >= 0 else DOWN,
                title=f"{label}: {fmt(value)}",
            )
        )
    centres = [round(LEFT + (i + 0.5) * step, 1) for i in range(len(labels))]
    return Chart(
        width=WIDTH,
        ticks=scale.ticks(fmt),
        x_labels=_x_labels(labels, centres, every=6),
        bars=tuple(bars),
        zero_y=zero,
        height=height + (TITLE if x_title else 0),
        x_title=x_title,
        y_title=y_title,
    )


def waterfall(
    steps: Sequence[tuple[str, int, str]],
    *,
    fmt: Callable[[float], str],
    height: int = 260,
    y_title: str = "",
) -> Chart:
    """An MRR bridge: ``(label, amount, kind)`` with kind "total" (drawn from 0), "up" or "down"
    (drawn from the running level; amounts positive). Connectors join consecutive bars.

    The movements of a month are small next to MRR itself, so the value axis does not start
    at 0: it starts a little below the lowest level the bridge reaches (the template says so),
    and the total bars are drawn from there.
    """
    level = 0
    spans: list[tuple[float, float]] = []
    for _label, amount, kind in steps:
        if kind == "total":
            spans.append((0, amount))
            level = amount
        else:
            after = level + amount if kind == "up" else level - amount
            spans.append((level, after))
            level = after
    levels = [v for (a, b), s in zip(spans, steps, strict=True) for v in (a, b) if s[2] != "total"]
    levels += [b for (_a, b), s in zip(spans, steps, strict=True) if s[2] == "total"]
    low, high = min(levels, default=0), max(levels, default=1)
    floor = max(0.0, low - max(high - low, high * 0.02) * 0.6)
    scale = _Scale(floor, high, height)
    spans = [
        (max(a, scale.low), b) if s[2] == "total" else (a, b)
        for (a, b), s in zip(spans, steps, strict=True)
    ]
    step = (WIDTH - LEFT - RIGHT) / max(len(steps), 1)
    bars, connectors = [], []
    colours = {"total": TOTAL, "up": UP, "down": DOWN}
    for index, ((label, amount, kind), (a, b)) in enumerate(zip(steps, spans, strict=True)):
        x = round(LEFT + index * step + step * 0.15, 1)
        width = round(step * 0.7, 1)
        top, bottom = scale.y(max(a, b)), scale.y(min(a, b))
        sign = "" if kind == "total" else ("+" if kind == "up" else "−")
        bars.append(
            Bar(
                x=x,
                y=top,
                width=width,
                height=max(round(bottom - top, 1), 1.0),
                colour=colours[kind],
                title=f"{label}: {sign}{fmt(amount)}",
                label=f"{sign}{fmt(amount)}",
            )
        )
        if index + 1 < len(steps):
            connectors.append((round(x + width, 1), round(x + step, 1), scale.y(b)))
    centres = [round(LEFT + (i + 0.5) * step, 1) for i in range(len(steps))]
    x_labels = _staggered(
        [_two_lines(x, s[0], room=step - GAP) for x, s in zip(centres, steps, strict=True)],
        room=step - GAP,
    )
    return Chart(
        width=WIDTH,
        height=height,
        ticks=scale.ticks(fmt),
        x_labels=x_labels,
        bars=tuple(bars),
        connectors=tuple(connectors),
        y_title=y_title,
    )


def heat_colour(rate: float | None) -> str:
    """Cell shade of a retention rate: white at 0 → brand blue at 1 (capped); grey if None."""
    if rate is None:
        return "#f5f7fa"
    share = max(0.0, min(rate, 1.0))
    red, green, blue = (round(255 + (end - 255) * share) for end in (47, 93, 138))
    return f"#{red:02x}{green:02x}{blue:02x}"


def heat_ink(rate: float | None) -> str:
    """Text colour readable on :func:`heat_colour`."""
    return "#ffffff" if rate is not None and rate >= 0.55 else "#1f2933"
