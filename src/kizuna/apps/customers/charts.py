"""The account page's MRR history, drawn by the chart toolkit (``kizuna.apps.front.charts``):
one bar per month-end, this month's darker."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.apps.front.formats import month_label
from kizuna.core.money import format_money
from kizuna.core.mrr_history import MonthlyMrr


@dataclass(frozen=True)
class MrrHistoryChart:
    chart: charts.Chart
    highest: int  # the highest month's MRR (0 without any)


def mrr_history(history: list[MonthlyMrr], *, currency: str) -> MrrHistoryChart:
    """Bars of the account's MRR at each month-end, ticks in the company currency."""
    colours = [charts.NOW if i == len(history) - 1 else charts.BAR for i in range(len(history))]
    chart = charts.category_chart(
        [month_label(point.month) for point in history],
        bars=charts.Bars("MRR", [float(point.mrr) for point in history], colours=colours),
        y=charts.Axis(title="MRR", fmt=lambda value: format_money(int(value), currency)),
        x_title=_("Month"),
        width=820,
        height=210,
        label=_("MRR history"),
    )
    return MrrHistoryChart(chart=chart, highest=max((p.mrr for p in history), default=0))
