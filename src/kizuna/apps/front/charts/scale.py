"""Value axes: a round step, the domain it rounds out to, and the ticks along it; category
and date labels kept apart on one line.

A value axis always shows its ticks: empty data gives 0–1, a single value or equal values a
domain around them, negative values a domain below zero; huge and tiny values get steps of
their own size (1, 2, 2.5 or 5 × 10ⁿ) and ticks free of floating-point noise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kizuna.apps.front.charts.text import GAP, text_width

#: at least this many SVG units between two ticks of a value axis (a label's height and air)
TICK_ROOM = 26.0


def nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) that cuts ``span`` into about ``count`` parts, and
    at least ``span / count``; 1 for an empty or non-finite span."""
    if not math.isfinite(span) or span <= 0 or count < 1:
        return 1.0
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power * (1 + 1e-9):
            return factor * power
    return 10.0 * power  # pragma: no cover - the loop always returns


def _digits(step: float) -> int:
    """Decimals that write every multiple of ``step`` exactly (2.5 → 1, 0.025 → 3)."""
    for digits in range(0, 16):
        if abs(round(step, digits) - step) <= abs(step) * 1e-9:
            return digits
    return 15


def plain(value: float) -> str:
    """A number with thousands separators and at most two decimals ("1,234", "2.5")."""
    if value == math.floor(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Axis:
    """How the caller wants one value axis: its title with the unit ("MRR", "CSM数（人）"), how
    its tick labels read (``fmt``; by default plain numbers with as many decimals as the step
    needs), and optionally a fixed domain (rates: 0–1) or whole-number steps (counts).
    ``value_fmt`` writes the exact values in hover texts (``fmt`` or :func:`plain` if None)."""

    title: str = ""
    fmt: Callable[[float], str] | None = None
    domain: tuple[float, float] | None = None
    include_zero: bool = True
    integer: bool = False
    value_fmt: Callable[[float], str] | None = None

    def tick(self, value: float, step: float) -> str:
        if self.fmt is not None:
            return self.fmt(value)
        return f"{value:,.{_digits(step)}f}"

    def exact(self, value: float) -> str:
        return (self.value_fmt or self.fmt or plain)(value)


@dataclass(frozen=True)
class Scale:
    """A linear value scale from ``low`` to ``high`` (multiples of ``step``) drawn from pixel
    ``start`` (at ``low``) to pixel ``end`` (at ``high``); for a vertical axis ``start`` is
    the bottom of the plot."""

    low: float
    high: float
    step: float
    start: float
    end: float

    def at(self, value: float) -> float:
        """The pixel of ``value`` (values outside the domain are clamped to its edges)."""
        value = min(max(value, self.low), self.high)
        share = (value - self.low) / (self.high - self.low)
        return round(self.start + share * (self.end - self.start), 1)

    def ticks(self) -> tuple[float, ...]:
        count = math.floor((self.high - self.low) / self.step + 1e-9)
        digits = _digits(self.step)
        return tuple(round(self.low + i * self.step, digits) + 0.0 for i in range(count + 1))


def domain(values: Iterable[float | None], axis: Axis, *, length: float) -> Scale:
    """The scale of ``values`` along ``length`` pixels (drawn from 0 to ``length``; the caller
    shifts it): the axis's fixed domain, or the values' range (with zero unless the axis says
    otherwise) rounded out to a step that leaves at least :data:`TICK_ROOM` between ticks and
    that the axis's format writes as distinct labels (no "0, 0, 1, 1" for a small range of
    whole numbers)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    count = max(1, min(6, int(length // TICK_ROOM)))
    while True:
        scale = _rounded(finite, axis, count=count, length=length)
        labels = [axis.tick(value, scale.step) for value in scale.ticks()]
        roomy = (len(labels) - 1) * TICK_ROOM <= max(length, TICK_ROOM)
        if count == 1 or (roomy and len(set(labels)) == len(labels)):
            return scale
        count -= 1


def _rounded(finite: list[float], axis: Axis, *, count: int, length: float) -> Scale:
    if axis.domain is not None:
        low, high = axis.domain
    else:
        low, high = min(finite, default=0.0), max(finite, default=0.0)
        if axis.include_zero or not finite:
            low, high = min(low, 0.0), max(high, 0.0)
    if high <= low:
        pad = abs(high) * 0.1 or 1.0
        low, high = (low, low + pad) if low == 0 or axis.include_zero else (low - pad, high + pad)
    step = nice_step(high - low, count)
    if axis.integer:  # whole steps: 1 at least, 2 rather than 2.5 (fewer if then too dense)
        step = max(1.0, math.floor(step))
    if axis.domain is None:
        low = math.floor(low / step + 1e-9) * step
        high = math.ceil(high / step - 1e-9) * step
    return Scale(low=low, high=high, step=step, start=0.0, end=length)


@dataclass(frozen=True)
class Label:
    """One label of a category or date axis, centred on ``x``; ``second`` is a second line."""

    x: float
    text: str
    second: str = ""
    tick: float = 0.0  # where its category or day is (``x`` may be moved inside the plot)

    @property
    def width(self) -> float:
        return max(text_width(self.text), text_width(self.second))

    @property
    def span(self) -> tuple[float, float]:
        half = self.width / 2
        return self.x - half, self.x + half


def _inside(x: float, width: float, left: float, right: float) -> float:
    """The centre nearest ``x`` at which a label ``width`` wide stays within left–right."""
    half = width / 2
    return max(left + half, min(x, right - half)) if right - left >= width else (left + right) / 2


def spaced_labels(
    xs: Sequence[float], texts: Sequence[str], *, left: float, right: float, gap: float = GAP
) -> tuple[Label, ...]:
    """Labels of a category or date axis, thinned by their width at a regular cadence: every
    n-th label from the first, n the smallest whole number (from the widest label and the
    spacing up) at which no two come closer than ``gap``, and the last label, in place of the
    n-th before it when both do not fit. Each stays within ``left``–``right`` (an edge label is
    moved inside, its tick stays). Empty texts are skipped."""
    items = [(x, t) for x, t in zip(xs, texts, strict=True) if t]
    if not items:
        return ()

    def label(index: int) -> Label:
        x, text = items[index]
        return Label(x=_inside(x, text_width(text), left, right), text=text, tick=x)

    widest = max(text_width(t) for _x, t in items)
    spacing = min((b[0] - a[0] for a, b in itertools.pairwise(items)), default=right)
    last = len(items) - 1
    for every in range(max(1, math.ceil((widest + gap) / max(spacing, 1.0))), last + 1):
        kept = [label(index) for index in range(0, last + 1, every)]
        if last % every:
            end = label(last)
            if fits([*kept, end], gap):
                kept.append(end)
            elif len(kept) > 1:
                kept[-1] = end
        if fits(kept, gap):
            return tuple(kept)
    return (label(0),)


def fits(labels: Sequence[Label], gap: float = GAP) -> bool:
    """Whether no two of ``labels`` (sorted by x) come closer than ``gap``."""
    return all(a.span[1] + gap <= b.span[0] for a, b in itertools.pairwise(labels))
