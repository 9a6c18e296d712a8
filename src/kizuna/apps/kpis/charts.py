"""The KPI home's trend charts: each card's last twelve months as a line, its target as a
dashed reference, drawn by the chart toolkit (axes with units, month labels)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.apps.kpis.selectors import KpiCard, KpiHome


def _pct(value: float) -> str:
    return f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _axis(card: KpiCard) -> charts.Axis:
    if card.kpi.unit == "rate":
        return charts.Axis(title="%", fmt=_pct)
    if card.kpi.unit == "score":
        return charts.Axis(title=_("NPS (points)"))
    return charts.Axis(title=_("CSQLs"), integer=True)


def trend_chart(card: KpiCard) -> charts.Chart:
    references = (
        [charts.Reference(card.target, _("Target"))]
        if card.target is not None and card.kpi.unit != "count"
        else []
    )
    return charts.line_chart(
        [point.label for point in card.trend],
        [charts.Series(card.label, [point.figure for point in card.trend])],
        references=references,
        y=_axis(card),
        x_title=_("Month"),
        width=420,
        height=180,
        label=_("%(kpi)s, last 12 months") % {"kpi": card.label},
        legend=False,
    )


@dataclass(frozen=True, slots=True)
class CardView:
    """A card and its trend chart, as the home draws them."""

    card: KpiCard
    chart: charts.Chart


def card_views(data: KpiHome) -> list[CardView]:
    """Each card with its chart, in the catalog's order."""
    return [CardView(card, trend_chart(card)) for card in data.cards]
