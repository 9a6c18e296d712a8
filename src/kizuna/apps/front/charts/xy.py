"""A chart of curves over two value axes (the ROC curve): both axes with ticks and titles,
markers whose hover text gives their values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kizuna.apps.front.charts.colour import PALETTE
from kizuna.apps.front.charts.frame import (
    LINE,
    PAD,
    TITLE,
    Box,
    Chart,
    axis_titles,
    horizontal,
    left_room,
    tick_labels,
    vertical,
    y_axis,
)
from kizuna.apps.front.charts.scale import Axis, domain, spaced_labels
from kizuna.apps.front.charts.svg import Canvas, LegendItem


@dataclass(frozen=True)
class Curve:
    name: str
    points: Sequence[tuple[float, float]]
    colour: str = PALETTE[0]
    dashed: bool = False


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    title: str
    colour: str = PALETTE[0]


def xy_chart(
    curves: Sequence[Curve],
    *,
    x: Axis,
    y: Axis,
    markers: Sequence[Marker] = (),
    width: float = 320,
    height: float = 300,
    label: str = "",
    legend: bool = False,
) -> Chart:
    """Curves (x, y) over the axes' domains (or the points' range)."""
    top = PAD + (TITLE if y.title else 4)
    bottom = height - PAD - LINE - (TITLE if x.title else 0)
    ys = [p[1] for c in curves for p in c.points]
    y_scale = domain(ys, y, length=bottom - top)
    box = Box(left_room(tick_labels(y_scale, y)), top, width - 3 * PAD, bottom)
    y_scale = vertical(y_scale, box)
    x_scale = horizontal(domain([p[0] for c in curves for p in c.points], x, length=box.width), box)
    canvas = Canvas(width, height, label=label, kind="xy")
    axis_titles(canvas, left=y.title, right="", width=width)
    ticks = y_axis(canvas, y_scale, y, box)
    xs = [x_scale.at(v) for v in x_scale.ticks()]
    for at in xs:
        canvas.line(at, box.top, at, box.bottom, cls="grid")
    shown = spaced_labels(xs, tick_labels(x_scale, x), left=box.left - 10, right=width - 2)
    for tick in shown:
        canvas.text(tick.x, box.bottom + LINE, tick.text, cls="tick x")
    if x.title:
        canvas.text((box.left + box.right) / 2, height - PAD, x.title, cls="title")
    canvas.line(box.left, box.bottom, box.right, box.bottom, cls="axis")
    canvas.line(box.left, box.top, box.left, box.bottom, cls="axis")
    for curve in curves:
        points = [(x_scale.at(a), y_scale.at(b)) for a, b in curve.points]
        if points:
            canvas.polyline(points, colour=curve.colour, dashed=curve.dashed, title=curve.name)
    for m in markers:
        canvas.dot(x_scale.at(m.x), y_scale.at(m.y), colour=m.colour, title=m.title, r=3.5)
    items = tuple(LegendItem(c.name, c.colour, "dashed" if c.dashed else "line") for c in curves)
    return Chart(
        svg=canvas.markup(),
        width=width,
        height=height,
        legend=items if legend else (),
        x_labels=shown,
        y_ticks=ticks,
    )
