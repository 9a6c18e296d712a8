"""The NPS page's trend chart: one line per cut value over the periods of the range, the NPS
axis fixed from −100 to +100, a break where a period has no answer."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.apps.front.formats import month_label
from kizuna.core.voc.nps import NpsCell, Period

#: at most this many lines (the values with the most answers); the table has every value
MAX_LINES = 8


def period_label(period: Period) -> str:
    """2026年10月 / Oct 2026, 2026年度 第1四半期 / FY2026 Q1, 2026年度 / FY2026."""
    if period.kind == "month":
        return month_label(period.first_day)
    if period.kind == "quarter":
        return _("FY%(year)s Q%(quarter)s") % {
            "year": period.fiscal_year,
            "quarter": period.number,
        }
    return _("FY%(year)s") % {"year": period.fiscal_year}


def _points(value: float) -> str:
    return f"{value:+.0f}" if value else "0"


def nps_trend_chart(
    cells: Sequence[NpsCell], value_label: dict[object, str]
) -> charts.Chart | None:
    """The trend of every value of the cut (the largest ``MAX_LINES``); None without answers."""
    periods = sorted({cell.period for cell in cells}, key=lambda p: p.index)
    if not periods or not any(cell.responses for cell in cells):
        return None
    totals: dict[object, int] = {}
    for cell in cells:
        totals[cell.value] = totals.get(cell.value, 0) + cell.responses
    shown = sorted((v for v, n in totals.items() if n), key=lambda v: -totals[v])[:MAX_LINES]
    position = {period: n for n, period in enumerate(periods)}
    series = []
    for n, value in enumerate(shown):
        values: list[float | None] = [None] * len(periods)
        for cell in cells:
            if cell.value == value:
                values[position[cell.period]] = cell.nps
        series.append(
            charts.Series(
                value_label.get(value, str(value)),
                values,
                colour=charts.PALETTE[n % len(charts.PALETTE)],
            )
        )
    return charts.line_chart(
        [period_label(p) for p in periods],
        series,
        references=[charts.Reference(0.0, "0")],
        y=charts.Axis(title=_("NPS (points)"), fmt=_points, domain=(-100.0, 100.0)),
        x_title=_("period"),
        width=680,
        height=260,
        label=_("NPS by period"),
        legend=True,
    )
