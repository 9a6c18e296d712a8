"""Colours: the series palette (the stylesheet's, repeated because SVG needs them inline) and
the binned scale of retention heatmaps.

The heatmap's scale is ColorBrewer's six-class red–blue (distinct for colour-blind readers,
and in grey): a rate lands in one of six bins, so 70 % (pale red) and 100 % (dark blue) can
never be confused, and 99 % differs from 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass

from kizuna.apps.front.charts.text import Markup, esc

PALETTE = ("#2f5d8a", "#1e7e4a", "#6b3fa0", "#b7791f", "#4a7c59", "#b42318", "#616e7c")
UP = "#1e7e4a"
DOWN = "#b42318"
TOTAL = "#2f5d8a"
BAR = "#7aa6d1"  # a bar of one series: the brand blue, lighter
NOW = "#2f5d8a"  # the bar that stands out (this month)
MUTED = "#9aa5b1"
#: a touch model's colour (kizuna.css ``--high``, ``--low``, ``--tech``)
SEGMENTS = {"high": "#6b3fa0", "low": "#2f5d8a", "tech": "#4a7c59", "community": "#b7791f"}
#: a score grade's colour, 1 (worst) to 5 (kizuna.css ``.grade-badge``)
GRADES = {1: "#b42318", 2: "#dd6b20", 3: "#d69e2e", 4: "#48bb78", 5: "#2f855a"}


@dataclass(frozen=True)
class Bin:
    low: float  # inclusive
    fill: str
    ink: str  # text readable on ``fill``
    label: str


#: retention bins, lowest first (a rate falls in the last bin whose ``low`` it reaches)
HEAT_BINS = (
    Bin(float("-inf"), "#b2182b", "#ffffff", "< 50%"),
    Bin(0.5, "#ef8a62", "#1f2933", "50–70%"),
    Bin(0.7, "#fddbc7", "#1f2933", "70–80%"),
    Bin(0.8, "#d1e5f0", "#1f2933", "80–90%"),
    Bin(0.9, "#67a9cf", "#1f2933", "90–100%"),
    Bin(1.0, "#2166ac", "#ffffff", "≥ 100%"),
)
HEAT_NONE = Bin(float("nan"), "#f5f7fa", "#1f2933", "—")


def heat_bin(rate: float | None) -> Bin:
    """The bin of ``rate`` (a fraction; None: undefined, shown grey)."""
    if rate is None or rate != rate:
        return HEAT_NONE
    found = HEAT_BINS[0]
    for candidate in HEAT_BINS:
        if rate >= candidate.low - 1e-12:
            found = candidate
    return found


def heat_colour(rate: float | None) -> str:
    return heat_bin(rate).fill


def heat_ink(rate: float | None) -> str:
    return heat_bin(rate).ink


def heat_legend(title: str) -> Markup:
    """The heatmap's key: ``title`` and one swatch per bin."""
    keys = "".join(
        f'<span class="key"><span class="swatch box" style="--c:{b.fill}"></span>{esc(b.label)}'
        "</span>"
        for b in HEAT_BINS
    )
    return Markup(f'<div class="chart-legend heat-legend"><span>{esc(title)}</span>{keys}</div>')
