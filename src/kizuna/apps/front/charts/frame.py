"""What every chart shares: the result a template places, the plot box, the value axes with
their ticks and horizontal titles, and the category axis with its thinned labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kizuna.apps.front.charts.scale import Axis, Label, Scale, spaced_labels
from kizuna.apps.front.charts.svg import Canvas, LegendItem, legend_html
from kizuna.apps.front.charts.text import FONT, GAP, Markup, shorten, text_width

#: the height of one line of axis labels, and the room an axis title takes
LINE = 14.0
TITLE = 22.0
PAD = 4.0


@dataclass(frozen=True)
class Chart:
    """A drawn chart: ``{{ chart }}`` in a template places the SVG and its legend.

    ``x_labels`` and ``y_ticks`` are what the axes show (for tests and for text alternatives).
    """

    svg: Markup
    width: float
    height: float
    legend: tuple[LegendItem, ...] = ()
    x_labels: tuple[Label, ...] = ()
    y_ticks: tuple[str, ...] = ()

    def __html__(self) -> Markup:
        return Markup(self.svg + legend_html(self.legend))

    def __str__(self) -> Markup:
        """Markup: a template converts the chart with ``str()`` before escaping, and keeps
        what has ``__html__`` as it is."""
        return self.__html__()


@dataclass(frozen=True)
class Box:
    """The plot area in SVG units (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def vertical(scale: Scale, box: Box) -> Scale:
    """``scale`` drawn up the box: its low end at the bottom, its high end at the top."""
    return Scale(scale.low, scale.high, scale.step, start=box.bottom, end=box.top)


def horizontal(scale: Scale, box: Box) -> Scale:
    return Scale(scale.low, scale.high, scale.step, start=box.left, end=box.right)


def tick_labels(scale: Scale, axis: Axis) -> list[str]:
    return [axis.tick(value, scale.step) for value in scale.ticks()]


def y_axis(
    canvas: Canvas, scale: Scale, axis: Axis, box: Box, *, right: bool = False
) -> tuple[str, ...]:
    """Ticks with their labels beside the plot (grid lines across it for the left axis)."""
    labels = tick_labels(scale, axis)
    for value, text in zip(scale.ticks(), labels, strict=True):
        y = scale.at(value)
        if not right:
            canvas.line(box.left, y, box.right, y, cls="grid")
        x = box.right + PAD + 2 if right else box.left - PAD - 2
        canvas.text(x, y + FONT * 0.35, text, anchor="start" if right else "end")
    return tuple(labels)


def axis_titles(canvas: Canvas, *, left: str, right: str, width: float) -> None:
    """The value axes' titles, written level above their axes (left-aligned on the left,
    right-aligned on the right), shortened when the two would meet."""
    room = width - 2 * PAD - (GAP if left and right else 0)
    if text_width(left) + text_width(right) > room:
        share = room / 2
        left, right = shorten(left, share), shorten(right, share)
    if left:
        canvas.text(PAD, FONT + 2, left, cls="title", anchor="start")
    if right:
        canvas.text(width - PAD, FONT + 2, right, cls="title", anchor="end")


def x_axis(
    canvas: Canvas,
    labels: Sequence[Label],
    box: Box,
    *,
    title: str,
    height: float,
) -> None:
    """The category or date labels under the plot (a tick mark at each), and the axis title
    centred below them."""
    for label in labels:
        canvas.line(label.tick, box.bottom, label.tick, box.bottom + 3, cls="axis")
        canvas.text(label.x, box.bottom + LINE, label.text, cls="tick x", second=label.second)
    if title:
        canvas.text((box.left + box.right) / 2, height - PAD, title, cls="title")


def x_labels(
    xs: Sequence[float], texts: Sequence[str], box: Box, *, width: float
) -> tuple[Label, ...]:
    """Labels under the plot, kept clear of the value axis's labels on the left."""
    return spaced_labels(xs, texts, left=box.left - 2, right=width - 2.0)


def left_room(labels: Sequence[str]) -> float:
    """The left margin for tick labels: the widest one and some air."""
    return PAD + 2 + max((text_width(text) for text in labels), default=0.0) + PAD
