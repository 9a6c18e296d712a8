"""The coverage dashboard's trend: one small chart per touch model, drawn by the chart
toolkit (``kizuna.apps.front.charts``) from the snapshot rates (``selectors.trend_lines``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kizuna.apps.coverage.selectors import TrendLine
from kizuna.apps.front import charts
from kizuna.apps.front.formats import month_label


@dataclass(frozen=True)
class TrendChart:
    segment: str
    last_rate: float | None
    chart: charts.Chart


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _tick(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def trend_charts(lines: list[TrendLine]) -> list[TrendChart]:
    """Per segment: the rate at each month-end (0–100 %) and the target as a dashed line; the
    last point is today's live figure. Each is about as wide as its third of the page."""
    out = []
    for line in lines:
        name = _("Coverage")
        chart = charts.line_chart(
            [month_label(day) for day in line.days],
            [charts.Series(name, line.rates, charts.SEGMENTS.get(line.segment, charts.PALETTE[0]))],
            references=[
                charts.Reference(line.target, f"{_('Target')} {_tick(line.target)}"),
            ],
            y=charts.Axis(title=name, fmt=_tick, value_fmt=_pct, domain=(0.0, 1.0)),
            x_title=_("Month-end (last point: today)"),
            width=380,
            height=190,
            label=name,
            legend=False,
        )
        out.append(TrendChart(segment=line.segment, last_rate=line.last_rate, chart=chart))
    return out
