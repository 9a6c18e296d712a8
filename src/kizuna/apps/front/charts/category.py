"""Charts over categories (months, days, grades, buckets): bars, lines, both, and the MRR
bridge (waterfall).

Every category is a band of the plot; bars stand in it and lines pass through its centre.
The left axis carries the bars and the lines; a line marked ``right`` has an axis of its own
on the right. Hovering anywhere over a band shows its label and every value in it (a
``<title>`` over the whole band, so that even a bar of zero height has its value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kizuna.apps.front.charts.colour import BAR, DOWN, MUTED, PALETTE, TOTAL, UP
from kizuna.apps.front.charts.frame import (
    LINE,
    PAD,
    TITLE,
    Box,
    Chart,
    axis_titles,
    left_room,
    tick_labels,
    vertical,
    x_axis,
    x_labels,
    y_axis,
)
from kizuna.apps.front.charts.scale import Axis, Label, Scale, domain
from kizuna.apps.front.charts.svg import Canvas, LegendItem
from kizuna.apps.front.charts.text import FONT, GAP, text_width

#: lines with at most this many points get a dot at each
DOTS = 40
#: a value axis without title, numbers with thousands separators
PLAIN = Axis()


@dataclass(frozen=True)
class Series:
    """A line: one value per category, None where undefined (the line breaks there)."""

    name: str
    values: Sequence[float | None]
    colour: str = PALETTE[0]
    dashed: bool = False
    right: bool = False  # against the right-hand axis


@dataclass(frozen=True)
class Bars:
    """Bars, one per category, from zero; ``colours`` one for all or one per bar;
    ``value_labels`` True writes each value above its bar, or gives the texts."""

    name: str
    values: Sequence[float | None]
    colours: str | Sequence[str] = BAR
    value_labels: bool | Sequence[str] = False

    def colour(self, index: int) -> str:
        """The bar's colour (the first bar's, or the default, for the legend of no bars)."""
        if isinstance(self.colours, str):
            return self.colours
        return self.colours[index] if index < len(self.colours) else BAR


@dataclass(frozen=True)
class Reference:
    """A dashed horizontal line at ``value`` (a target, today's headcount), named at its
    right end."""

    value: float
    label: str
    colour: str = MUTED


def _check(labels: Sequence[str], bars: Bars | None, lines: Sequence[Series]) -> None:
    lengths = {len(s.values) for s in lines} | ({len(bars.values)} if bars else set())
    if lengths - {len(labels)}:
        raise ValueError("every series needs one value per label")


def _hover(
    index: int,
    label: str,
    bars: Bars | None,
    lines: Sequence[Series],
    y: Axis,
    y2: Axis | None,
) -> str:
    rows = [label]
    if bars and bars.values[index] is not None:
        rows.append(f"{bars.name}: {y.exact(float(bars.values[index] or 0))}")
    for s in lines:
        value = s.values[index]
        if value is not None:
            axis = y2 if s.right and y2 else y
            rows.append(f"{s.name}: {axis.exact(float(value))}")
    return "\n".join(row for row in rows if row)


def _legend(
    bars: Bars | None, lines: Sequence[Series], references: Sequence[Reference]
) -> tuple[LegendItem, ...]:
    items = [LegendItem(bars.name, bars.colour(0), "box")] if bars and bars.name else []
    items += [LegendItem(s.name, s.colour, "dashed" if s.dashed else "line") for s in lines]
    items += [LegendItem(r.label, r.colour, "dashed") for r in references if r.label]
    return tuple(items)


def _runs(
    xs: Sequence[float], values: Sequence[float | None], scale: Scale
) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for x, value in zip(xs, values, strict=True):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((x, scale.at(value)))
    return [run for run in runs if run]


def _zero(scale: Scale) -> float:
    return scale.at(0.0 if scale.low <= 0 <= scale.high else scale.low)


def _value_label_fits(
    x: float, y: float, text: str, kept: list[tuple[float, float, float]]
) -> bool:
    half = text_width(text) / 2
    return all(
        abs(y - ky) >= LINE or x + half + 2 <= kx - kh or x - half >= kx + kh + 2
        for kx, ky, kh in kept
    )


def _draw_bars(
    canvas: Canvas, bars: Bars, centres: Sequence[float], band: float, scale: Scale, y: Axis
) -> None:
    width = max(1.0, band - max(2.0, band * 0.25))
    base = _zero(scale)
    kept: list[tuple[float, float, float]] = []
    for index, (x, value) in enumerate(zip(centres, bars.values, strict=True)):
        if value is None:
            continue
        top = scale.at(value)
        height = abs(base - top)
        if value and height < 1:
            height, top = 1.0, base - 1 if value > 0 else base
        canvas.rect(
            x - width / 2, min(top, base), width, height, cls="bar", colour=bars.colour(index)
        )
        if bars.value_labels:
            text = (
                bars.value_labels[index]
                if not isinstance(bars.value_labels, bool)
                else y.exact(value)
            )
            at = min(top, base) - 4 if value >= 0 else max(top, base) + FONT + 2
            if text and _value_label_fits(x, at, text, kept):
                canvas.text(x, at, text, cls="value")
                kept.append((x, at, text_width(text) / 2))


def _draw_lines(
    canvas: Canvas,
    lines: Sequence[Series],
    centres: Sequence[float],
    left: Scale,
    right: Scale | None,
) -> None:
    for s in lines:
        scale = right if s.right and right else left
        for run in _runs(centres, s.values, scale):
            if len(run) > 1:
                canvas.polyline(run, colour=s.colour, dashed=s.dashed)
            if len(run) == 1 or (len(centres) <= DOTS and not s.dashed):
                for x, y in run:
                    canvas.dot(x, y, colour=s.colour)


def _draw_references(
    canvas: Canvas, references: Sequence[Reference], scale: Scale, box: Box, *, labels: bool
) -> None:
    """The dashed lines (under the series), or their names (over them, on a white halo)."""
    for ref in references:
        y = scale.at(ref.value)
        if not labels:
            canvas.line(box.left, y, box.right, y, cls="ref", colour=ref.colour, title=ref.label)
        elif ref.label:
            canvas.text(box.right - 2, y - 3, ref.label, cls="ref-label", anchor="end")


def category_chart(
    labels: Sequence[str],
    *,
    bars: Bars | None = None,
    lines: Sequence[Series] = (),
    references: Sequence[Reference] = (),
    y: Axis = PLAIN,
    y2: Axis | None = None,
    x_title: str = "",
    width: float = 600,
    height: float = 220,
    label: str = "",
    hover: Sequence[str] | None = None,
    legend: bool | None = None,
) -> Chart:
    """Bars and/or lines over ``labels``; ``height`` includes the axes and their titles.

    The legend lists the named series when there are two or more (``legend`` forces it on or
    off); ``hover`` replaces the text shown over each band."""
    _check(labels, bars, lines)
    values_labelled = bool(bars and bars.value_labels)
    top = PAD + (TITLE if y.title or (y2 and y2.title) else 4) + (LINE if values_labelled else 0)
    bottom = height - PAD - LINE - (TITLE if x_title else 0)
    left_values = [*(bars.values if bars else ()), *(r.value for r in references)]
    left_values += [v for s in lines if not s.right for v in s.values]
    right_values = [v for s in lines if s.right for v in s.values]
    scale = domain(left_values, y, length=bottom - top)
    scale2 = domain(right_values, y2, length=bottom - top) if y2 and right_values else None
    right_edge = width - (left_room(tick_labels(scale2, y2)) if scale2 and y2 else 3 * PAD)
    box = Box(left_room(tick_labels(scale, y)), top, right_edge, bottom)
    scale = vertical(scale, box)
    scale2 = vertical(scale2, box) if scale2 else None
    band = box.width / max(len(labels), 1)
    centres = [box.left + band * (i + 0.5) for i in range(len(labels))]

    canvas = Canvas(width, height, label=label, kind="category")
    axis_titles(canvas, left=y.title, right=y2.title if y2 and scale2 else "", width=width)
    ticks = y_axis(canvas, scale, y, box)
    if scale2 and y2:
        y_axis(canvas, scale2, y2, box, right=True)
    canvas.line(box.left, box.bottom, box.right, box.bottom, cls="axis")
    if scale.low < 0 < scale.high:
        canvas.line(box.left, scale.at(0), box.right, scale.at(0), cls="zero")
    if bars:
        _draw_bars(canvas, bars, centres, band, scale, y)
    _draw_references(canvas, references, scale, box, labels=False)
    _draw_lines(canvas, lines, centres, scale, scale2)
    _draw_references(canvas, references, scale, box, labels=True)
    for index, x in enumerate(centres):
        text = hover[index] if hover else _hover(index, labels[index], bars, lines, y, y2)
        canvas.rect(x - band / 2, box.top, band, box.height, cls="hover", title=text)
    shown = x_labels(centres, labels, box, width=width)
    x_axis(canvas, shown, box, title=x_title, height=height)
    items = _legend(bars, lines, references)
    show = len(items) >= 2 if legend is None else legend
    return Chart(
        svg=canvas.markup(),
        width=width,
        height=height,
        legend=items if show else (),
        x_labels=shown,
        y_ticks=ticks,
    )


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    references: Sequence[Reference] = (),
    y: Axis = PLAIN,
    x_title: str = "",
    width: float = 600,
    height: float = 220,
    label: str = "",
    hover: Sequence[str] | None = None,
    legend: bool | None = None,
) -> Chart:
    """Lines over ``labels`` (see :func:`category_chart`)."""
    return category_chart(
        labels,
        lines=series,
        references=references,
        y=y,
        x_title=x_title,
        width=width,
        height=height,
        label=label,
        hover=hover,
        legend=legend,
    )


def signed_bars(name: str, values: Sequence[float | None]) -> Bars:
    """Gains up in green, losses down in red."""
    return Bars(name, values, colours=[UP if (v or 0) >= 0 else DOWN for v in values])


# -- the MRR bridge ----------------------------------------------------------------------


def two_lines(x: float, text: str, *, room: float) -> Label:
    """A centred label, broken at its middle space into two lines when wider than ``room``."""
    words = text.split(" ")
    if text_width(text) <= room or len(words) < 2:
        return Label(x=x, text=text, tick=x)
    cut = min(
        range(1, len(words)),
        key=lambda n: abs(text_width(" ".join(words[:n])) - text_width(" ".join(words[n:]))),
    )
    return Label(x=x, text=" ".join(words[:cut]), second=" ".join(words[cut:]), tick=x)


def staggered(labels: Sequence[Label], *, room: float) -> tuple[Label, ...]:
    """One-line labels wider than ``room`` go one line lower, unless the label before them
    went lower already, so that two neighbours never share a line and touch."""
    out: list[Label] = []
    lowered = False
    for label in labels:
        wide = not label.second and text_width(label.text) > room
        if wide and not lowered:
            out.append(Label(x=label.x, text="", second=label.text, tick=label.tick))
            lowered = True
        else:
            out.append(label)
            lowered = False
    return tuple(out)


def _bridge_spans(steps: Sequence[tuple[str, float, str]]) -> list[tuple[float, float]]:
    level = 0.0
    spans: list[tuple[float, float]] = []
    for _label, amount, kind in steps:
        if kind == "total":
            spans.append((0.0, amount))
            level = amount
        else:
            after = level + amount if kind == "up" else level - amount
            spans.append((level, after))
            level = after
    return spans


def waterfall(
    steps: Sequence[tuple[str, float, str]],
    *,
    y: Axis,
    width: float = 600,
    height: float = 280,
    label: str = "",
) -> Chart:
    """An MRR bridge: ``(label, amount, kind)`` with kind "total" (from the axis's floor),
    "up" or "down" (from the running level; amounts positive); dotted connectors join
    consecutive bars.

    A month's movements are small next to MRR itself, so the value axis starts a little below
    the lowest level the bridge reaches (the page says so), and totals are drawn from there.
    """
    spans = _bridge_spans(steps)
    moving = [v for (a, b), s in zip(spans, steps, strict=True) if s[2] != "total" for v in (a, b)]
    levels = moving + [b for (_a, b), s in zip(spans, steps, strict=True) if s[2] == "total"]
    low, high = min(levels, default=0.0), max(levels, default=1.0)
    floor = max(0.0, low - max(high - low, high * 0.02) * 0.6)
    top = PAD + (TITLE if y.title else 4) + LINE
    bottom = height - PAD - 2 * LINE
    scale = domain([floor, high], Axis(fmt=y.fmt, include_zero=False), length=bottom - top)
    box = Box(left_room(tick_labels(scale, y)), top, width - 3 * PAD, bottom)
    scale = vertical(scale, box)
    band = box.width / max(len(steps), 1)
    canvas = Canvas(width, height, label=label, kind="category waterfall")
    axis_titles(canvas, left=y.title, right="", width=width)
    ticks = y_axis(canvas, scale, y, box)
    canvas.line(box.left, box.bottom, box.right, box.bottom, cls="axis")
    colours = {"total": TOTAL, "up": UP, "down": DOWN}
    kept: list[tuple[float, float, float]] = []
    for index, ((name, amount, kind), (a, b)) in enumerate(zip(steps, spans, strict=True)):
        x = box.left + band * index + band * 0.15
        a = max(a, scale.low) if kind == "total" else a
        upper, lower = scale.at(max(a, b)), scale.at(min(a, b))
        sign = "" if kind == "total" else ("+" if kind == "up" else "−")
        text = f"{sign}{y.exact(amount)}"
        canvas.rect(x, upper, band * 0.7, max(lower - upper, 1.0), cls="bar", colour=colours[kind])
        if index + 1 < len(steps):
            canvas.line(x + band * 0.7, scale.at(b), x + band, scale.at(b), cls="connector")
        centre = x + band * 0.35
        if _value_label_fits(centre, upper - 4, text, kept):
            canvas.text(centre, upper - 4, text, cls="value")
            kept.append((centre, upper - 4, text_width(text) / 2))
        canvas.rect(box.left + band * index, box.top, band, box.height, cls="hover",
                    title=f"{name}: {text}")  # fmt: skip
    room = band - GAP
    centres = [box.left + band * (i + 0.5) for i in range(len(steps))]
    shown = staggered([two_lines(x, s[0], room=room) for x, s in zip(centres, steps, strict=True)],
                      room=room)  # fmt: skip
    x_axis(canvas, shown, box, title="", height=height)
    return Chart(svg=canvas.markup(), width=width, height=height, x_labels=shown, y_ticks=ticks)
