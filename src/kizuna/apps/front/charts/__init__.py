"""Kizuna's one chart toolkit: server-side SVG, no JavaScript (docs/architecture.md, Charts).

Every app's ``charts.py`` turns its data into calls of these functions; a template places the
result (``{{ chart }}``: the ``<svg>`` and its legend). What every chart gets:

- value axes with ticks, their labels in the caller's format (¥, %), and a title with the
  unit written level above the axis;
- category and date labels thinned by their estimated width so that none overlaps another,
  in any language (``2026年10月`` is wider than ``Oct 2026``);
- hover values: a ``<title>`` over each category band, row or marker;
- no ``<style>``/``<script>`` element (the Content-Security-Policy forbids them): the
  stylesheet's ``.kz-chart`` rules colour the axes, series carry their colour inline.

The toolkit is pure Python (no Django, no app): callers pass translated, formatted text.
"""

from kizuna.apps.front.charts.category import (
    Bars,
    Reference,
    Series,
    category_chart,
    line_chart,
    signed_bars,
    waterfall,
)
from kizuna.apps.front.charts.colour import (
    BAR,
    DOWN,
    GRADES,
    HEAT_BINS,
    MUTED,
    NOW,
    PALETTE,
    SEGMENTS,
    TOTAL,
    UP,
    heat_bin,
    heat_colour,
    heat_ink,
    heat_legend,
)
from kizuna.apps.front.charts.frame import Chart
from kizuna.apps.front.charts.rows import HBar, Span, TimelineRow, day_ticks, hbar_chart, timeline
from kizuna.apps.front.charts.scale import Axis, Label, nice_step
from kizuna.apps.front.charts.svg import LegendItem
from kizuna.apps.front.charts.text import GAP, Markup, text_width
from kizuna.apps.front.charts.xy import Curve, Marker, xy_chart

__all__ = [
    "BAR",
    "DOWN",
    "GAP",
    "GRADES",
    "HEAT_BINS",
    "MUTED",
    "NOW",
    "PALETTE",
    "SEGMENTS",
    "TOTAL",
    "UP",
    "Axis",
    "Bars",
    "Chart",
    "Curve",
    "HBar",
    "Label",
    "LegendItem",
    "Marker",
    "Markup",
    "Reference",
    "Series",
    "Span",
    "TimelineRow",
    "category_chart",
    "day_ticks",
    "hbar_chart",
    "heat_bin",
    "heat_colour",
    "heat_ink",
    "heat_legend",
    "line_chart",
    "nice_step",
    "signed_bars",
    "text_width",
    "timeline",
    "waterfall",
    "xy_chart",
]
