"""Charts of named rows: horizontal bars (a funnel) and a timeline of spans over days (the
onboarding Gantt). Row names sit in a gutter as wide as the widest name (long names are
shortened with "…" and written whole in the row's hover text)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kizuna.apps.front.charts.colour import BAR
from kizuna.apps.front.charts.frame import LINE, PAD, TITLE, Box, Chart, horizontal, tick_labels
from kizuna.apps.front.charts.scale import Axis, Scale, domain, spaced_labels
from kizuna.apps.front.charts.svg import Canvas, LegendItem
from kizuna.apps.front.charts.text import FONT, NAME_FONT, shorten, text_width

INDENT = 12.0


def _gutter(names: Sequence[tuple[str, int]], width: float) -> float:
    widest = max((text_width(n, NAME_FONT) + i * INDENT for n, i in names), default=0.0)
    return min(widest + 2 * PAD + 4, width * 0.35)


def _bottom_axis(
    canvas: Canvas, scale: Scale, axis: Axis, box: Box, *, height: float, width: float
) -> tuple[str, ...]:
    labels = tick_labels(scale, axis)
    xs = [scale.at(v) for v in scale.ticks()]
    for x in xs:
        canvas.line(x, box.top, x, box.bottom, cls="grid")
    for shown in spaced_labels(xs, labels, left=box.left - 20, right=width - 2):
        canvas.text(shown.x, box.bottom + LINE, shown.text, cls="tick x")
    if axis.title:
        canvas.text((box.left + box.right) / 2, height - PAD, axis.title, cls="title")
    return tuple(labels)


@dataclass(frozen=True)
class HBar:
    """One row of a horizontal bar chart: ``text`` is written after the bar."""

    label: str
    value: float
    text: str
    colour: str = BAR
    indent: int = 0


def hbar_chart(
    rows: Sequence[HBar],
    *,
    x: Axis,
    width: float = 760,
    row_height: float = 26,
    label: str = "",
    legend: Sequence[LegendItem] = (),
) -> Chart:
    """Horizontal bars from zero, a value axis below them with its title."""
    gutter = _gutter([(r.label, r.indent) for r in rows], width)
    room = max((text_width(r.text) for r in rows), default=0.0) + 2 * PAD
    top = PAD
    height = top + row_height * len(rows) + LINE + PAD + (TITLE if x.title else 0)
    box = Box(gutter, top, width - room, top + row_height * len(rows))
    scale = horizontal(domain([r.value for r in rows], x, length=box.width), box)
    canvas = Canvas(width, height, label=label, kind="hbars")
    ticks = _bottom_axis(canvas, scale, x, box, height=height, width=width)
    base = scale.at(0.0)
    for index, row in enumerate(rows):
        y = top + index * row_height
        name = shorten(row.label, gutter - row.indent * INDENT - PAD, NAME_FONT)
        canvas.text(row.indent * INDENT, y + row_height / 2 + 4, name, cls="name", anchor="start")
        end = scale.at(row.value)
        bar = max(end - base, 1.0 if row.value else 0.0)
        canvas.rect(base, y + 4, bar, row_height - 8, cls="bar", colour=row.colour)
        canvas.text(base + bar + PAD, y + row_height / 2 + 4, row.text, cls="value", anchor="start")
        canvas.rect(0, y, width, row_height, cls="hover", title=f"{row.label}: {row.text}")
    canvas.line(base, box.top, base, box.bottom, cls="axis")
    return Chart(
        svg=canvas.markup(), width=width, height=height, legend=tuple(legend), y_ticks=ticks
    )


# -- timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A bar from ``start`` to ``end`` (days, both drawn) in lane 0 (upper) or 1 (lower)."""

    start: dt.date
    end: dt.date
    colour: str
    lane: int = 0
    opacity: float | None = None


@dataclass(frozen=True)
class TimelineRow:
    name: str
    spans: Sequence[Span]
    marks: Sequence[dt.date] = ()  # a short vertical line (a target date)
    title: str = ""  # the hover text of the row (its name if empty)


def day_ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    """Tick days between ``start`` and ``end`` (inclusive): month starts when at least three
    fall in the span, else the 1st, 8th, 15th and 22nd of each month."""
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    firsts = [d for d in days if d.day == 1]
    return firsts if len(firsts) >= 3 else [d for d in days if d.day in (1, 8, 15, 22)]


def timeline(
    rows: Sequence[TimelineRow],
    *,
    start: dt.date,
    end: dt.date,
    tick_label: Callable[[dt.date], str],
    x_title: str = "",
    today: dt.date | None = None,
    today_label: str = "",
    width: float = 760,
    row_height: float = 30,
    label: str = "",
    legend: Sequence[LegendItem] = (),
) -> Chart:
    """Rows of spans over the days ``start``–``end``; a dashed line marks ``today``."""
    end = max(end, start + dt.timedelta(days=1))
    gutter = _gutter([(r.name, 0) for r in rows], width)
    top = PAD + LINE
    box = Box(gutter, top, width - 3 * PAD, top + row_height * len(rows))
    height = box.bottom + LINE + PAD + (TITLE if x_title else 0)
    span = (end - start).days

    def x(day: dt.date) -> float:
        share = min(max((day - start).days, 0), span) / span
        return round(box.left + share * box.width, 1)

    canvas = Canvas(width, height, label=label, kind="gantt")
    ticks = day_ticks(start, end)
    for day in ticks:
        canvas.line(x(day), box.top, x(day), box.bottom, cls="grid")
    shown = spaced_labels([x(d) for d in ticks], [tick_label(d) for d in ticks],
                          left=box.left - 10, right=width - 2)  # fmt: skip
    for tick in shown:
        canvas.line(tick.tick, box.bottom, tick.tick, box.bottom + 3, cls="axis")
        canvas.text(tick.x, box.bottom + LINE, tick.text, cls="tick x")
    if x_title:
        canvas.text((box.left + box.right) / 2, height - PAD, x_title, cls="title")
    lane = (row_height - 10) / 2
    for index, row in enumerate(rows):
        y = box.top + index * row_height
        name = shorten(row.name, gutter - PAD, NAME_FONT)
        canvas.text(0, y + row_height / 2 + 4, name, cls="name", anchor="start")
        for s in row.spans:
            left = x(s.start)
            canvas.rect(left, y + 5 + s.lane * lane, max(x(s.end) - left, 2.0), lane - 1,
                        cls="bar", colour=s.colour, opacity=s.opacity)  # fmt: skip
        for day in row.marks:
            canvas.line(x(day), y + 3, x(day), y + row_height - 3, cls="mark")
        canvas.rect(0, y, width, row_height, cls="hover", title=row.title or row.name)
    canvas.line(box.left, box.bottom, box.right, box.bottom, cls="axis")
    if today is not None and start <= today <= end:
        canvas.line(x(today), box.top - 2, x(today), box.bottom, cls="today", title=today_label)
        if today_label:
            half = text_width(today_label) / 2
            at = max(box.left + half, min(x(today), width - half - 2))
            canvas.text(at, FONT, today_label, cls="today-label")
    return Chart(
        svg=canvas.markup(), width=width, height=height, legend=tuple(legend), x_labels=shown
    )
