"""The revenue dashboard's charts: snapshot rows → calls of the chart toolkit
(``kizuna.apps.front.charts``). Money reads as elsewhere on the page (¥1,234,000), rates as
percentages; the cohort heatmap's cells take the toolkit's binned retention colours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.apps.customers.models import Segment
from kizuna.apps.front import charts
from kizuna.apps.front.formats import month_label
from kizuna.apps.revenue.models import CohortSnapshot, RevenueSnapshot, RevenueTarget
from kizuna.core.money import format_money

#: the month axes' title
MONTH_AXIS: Final = gettext_lazy("Month (figures at month-end)")
#: a chart as wide as a half-page card, so that its 11-unit labels read at about 11 px
WIDTH: Final = 620


def pct(rate: float | None) -> str:
    """A rate as a percentage with one decimal ("95.3%"); "—" when undefined."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def pct_tick(rate: float) -> str:
    """A tick of a rate axis: as few decimals as the tick needs ("2.5%", "100%")."""
    return f"{rate * 100:.2f}".rstrip("0").rstrip(".") + "%"


def segment_label(code: str) -> str:
    return str(dict(Segment.choices).get(code, code or _("(none)")))


def _money_axis(title: str, currency: str) -> charts.Axis:
    return charts.Axis(title=title, fmt=lambda value: format_money(int(value), currency))


def bridge(row: RevenueSnapshot, currency: str) -> charts.Chart:
    steps = [
        (_("Previous month-end"), row.start_mrr, "total"),
        (_("New"), row.new_mrr, "up"),
        (_("Expansion"), row.expansion_mrr, "up"),
        (_("Reactivation"), row.reactivation_mrr, "up"),
        (_("Contraction"), row.contraction_mrr, "down"),
        (_("Churn"), row.churn_mrr, "down"),
        (_("Month-end"), row.total_mrr, "total"),
    ]
    return charts.waterfall(
        [(label, float(amount), kind) for label, amount, kind in steps],
        y=_money_axis("MRR", currency),
        width=WIDTH,
        label=_("MRR bridge"),
    )


def mrr_trend(labels: Sequence[str], values: Sequence[int | None], currency: str) -> charts.Chart:
    return charts.line_chart(
        labels,
        [charts.Series("MRR", [None if v is None else float(v) for v in values])],
        y=_money_axis("MRR", currency),
        x_title=str(MONTH_AXIS),
        width=WIDTH,
        height=220,
        label=_("MRR trend"),
    )


def net_new(labels: Sequence[str], values: Sequence[int], currency: str) -> charts.Chart:
    name = _("Net new MRR")
    return charts.category_chart(
        labels,
        bars=charts.signed_bars(name, [float(v) for v in values]),
        y=_money_axis(name, currency),
        x_title=str(MONTH_AXIS),
        width=WIDTH,
        height=180,
        label=name,
    )


def _rate_axis(title: str, *, include_zero: bool = True) -> charts.Axis:
    return charts.Axis(title=title, fmt=pct_tick, value_fmt=pct, include_zero=include_zero)


def _target_line(name: str, value: float | None, months: int, colour: str) -> charts.Series:
    return charts.Series(name=name, values=[value] * months, colour=colour, dashed=True)


def retention(rows: list[RevenueSnapshot], target: RevenueTarget | None) -> charts.Chart:
    labels = [month_label(row.month) for row in rows]
    series = [
        charts.Series("GRR 12m", [row.grr_12m for row in rows], charts.PALETTE[0]),
        charts.Series("NRR 12m", [row.nrr_12m for row in rows], charts.PALETTE[1]),
    ]
    if target and target.grr_12m is not None:
        series.append(_target_line(_("GRR target"), target.grr_12m, len(rows), charts.PALETTE[0]))
    if target and target.nrr_12m is not None:
        series.append(_target_line(_("NRR target"), target.nrr_12m, len(rows), charts.PALETTE[1]))
    return charts.line_chart(
        labels,
        series,
        y=_rate_axis("GRR / NRR", include_zero=False),
        x_title=str(MONTH_AXIS),
        width=WIDTH,
        label=_("GRR and NRR"),
    )


def _monthly_gross_churn_target(grr_12m: float | None) -> float | None:
    """The constant monthly gross MRR churn c that keeps GRR at target: (1 − c)^12 = GRR."""
    return None if grr_12m is None else 1 - grr_12m ** (1 / 12)


def churn(
    months: list[dt.date],
    segments: dict[str, list[RevenueSnapshot]],
    targets: dict[str, RevenueTarget],
    *,
    field: str,
    label: str,
) -> charts.Chart:
    series = []
    for index, (code, rows) in enumerate(segments.items()):
        colour = charts.SEGMENTS.get(code, charts.PALETTE[(index + 3) % len(charts.PALETTE)])
        by_month = {row.month: getattr(row, field) for row in rows}
        series.append(charts.Series(segment_label(code), [by_month.get(m) for m in months], colour))
        target = targets.get(code)
        goal = None
        if target is not None:
            goal = (
                target.logo_churn_rate
                if field == "logo_churn_rate"
                else _monthly_gross_churn_target(target.grr_12m)
            )
        if goal is not None:
            name = _("%(segment)s target") % {"segment": segment_label(code)}
            series.append(_target_line(name, goal, len(months), colour))
    return charts.line_chart(
        [month_label(m) for m in months],
        series,
        y=_rate_axis(_("Churn rate per month")),
        x_title=str(MONTH_AXIS),
        width=WIDTH,
        label=label,
    )


@dataclass(frozen=True)
class HeatCell:
    rate: float | None
    label: str
    fill: str
    ink: str
    title: str


@dataclass(frozen=True)
class HeatRow:
    cohort: dt.date
    customers: int
    mrr: int
    cells: list[HeatCell | None]


def heatmap(cells: list[CohortSnapshot], metric: str, months: int) -> list[HeatRow]:
    """One row per cohort, one cell per month since its start (None: not reached yet)."""
    rows: dict[dt.date, HeatRow] = {}
    for cell in cells:
        row = rows.setdefault(
            cell.cohort_month,
            HeatRow(
                cell.cohort_month, cell.cohort_customers, cell.cohort_start_mrr, [None] * months
            ),
        )
        if cell.months_since_start < months:
            rate = cell.logo_retention if metric == "logo" else cell.revenue_retention
            shade = charts.heat_bin(rate)
            row.cells[cell.months_since_start] = HeatCell(
                rate=rate,
                label="—" if rate is None else f"{rate * 100:.0f}",
                fill=shade.fill,
                ink=shade.ink,
                title=f"{month_label(cell.month)}: {pct(rate)} "
                f"({cell.active_customers}/{cell.cohort_customers})",
            )
    return list(rows.values())


def heat_legend() -> charts.Markup:
    return charts.heat_legend(_("Share retained at the month-end"))
