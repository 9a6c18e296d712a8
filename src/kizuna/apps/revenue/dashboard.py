"""The executive revenue dashboard's view model: charts and tables from the snapshot tables.

``revenue_dashboard`` reads a fixed number of queries (latest month, the cut's rows, the
segment rows, targets, cohort cells) whatever the period; every chart also has a plain table
(``csv_table``) so that it can be downloaded as CSV with exactly the figures drawn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.apps.customers.models import Segment
from kizuna.apps.front.formats import month_label
from kizuna.apps.revenue import charts
from kizuna.apps.revenue.models import CohortSnapshot, RevenueSnapshot, RevenueTarget
from kizuna.apps.revenue.selectors import (
    Cut,
    revenue_cohort_rows,
    revenue_last_month,
    revenue_segment_rows,
    revenue_summary_rows,
    revenue_targets,
)
from kizuna.core.calendar import month_start_before, month_starts
from kizuna.core.money import format_money

PERIODS: Final = (12, 24, 36)
CHARTS: Final = ("bridge", "mrr", "retention", "churn", "cohorts")
COHORT_METRICS: Final = {
    "logo": gettext_lazy("Logo retention"),
    "revenue": gettext_lazy("Revenue retention (net)"),
}
SEGMENT_COLOURS: Final = {
    "high": "#6b3fa0",
    "low": "#2f5d8a",
    "tech": "#4a7c59",
    "community": "#b7791f",
}


COMPANY: Final = Cut()


#: the month axes' title
MONTH_AXIS: Final = gettext_lazy("Month (figures at month-end)")


@dataclass(frozen=True, kw_only=True)
class DashboardFilters:
    cut: Cut = COMPANY
    months: int = 24
    cohort_metric: str = "logo"


def pct(rate: float | None) -> str:
    """A rate as a percentage with one decimal ("95.3%"); "—" when undefined."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _segment_label(code: str) -> str:
    return str(dict(Segment.choices).get(code, code or _("(none)")))


def _monthly_gross_churn_target(grr_12m: float | None) -> float | None:
    """The constant monthly gross MRR churn c that keeps GRR at target: (1 − c)^12 = GRR."""
    return None if grr_12m is None else 1 - grr_12m ** (1 / 12)


def _bridge(row: RevenueSnapshot, currency: str) -> charts.Chart:
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
        steps,
        fmt=lambda v: format_money(int(v), currency),
        y_title="MRR",
    )


def _target_line(name: str, value: float | None, months: int, colour: str) -> charts.Series:
    return charts.Series(name=name, values=[value] * months, colour=colour, dashed=True)


def _retention_chart(rows: list[RevenueSnapshot], target: RevenueTarget | None) -> charts.Chart:
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
        labels, series, fmt=pct, floor_at_zero=False, x_title=str(MONTH_AXIS), y_title="GRR / NRR"
    )


def _churn_chart(
    months: list[dt.date],
    segments: dict[str, list[RevenueSnapshot]],
    targets: dict[str, RevenueTarget],
    *,
    field: str,
) -> charts.Chart:
    series = []
    for index, (code, rows) in enumerate(segments.items()):
        colour = SEGMENT_COLOURS.get(code, charts.PALETTE[(index + 3) % len(charts.PALETTE)])
        by_month = {row.month: getattr(row, field) for row in rows}
        series.append(
            charts.Series(_segment_label(code), [by_month.get(m) for m in months], colour)
        )
        target = targets.get(code)
        goal = None
        if target is not None:
            goal = (
                target.logo_churn_rate
                if field == "logo_churn_rate"
                else _monthly_gross_churn_target(target.grr_12m)
            )
        if goal is not None:
            name = _("%(segment)s target") % {"segment": _segment_label(code)}
            series.append(_target_line(name, goal, len(months), colour))
    return charts.line_chart(
        [month_label(m) for m in months],
        series,
        fmt=pct,
        x_title=str(MONTH_AXIS),
        y_title=_("Churn rate per month"),
    )


def _heatmap(cells: list[CohortSnapshot], metric: str, months: int) -> list[dict[str, Any]]:
    rows: dict[dt.date, dict[str, Any]] = {}
    for cell in cells:
        row = rows.setdefault(
            cell.cohort_month,
            {
                "cohort": cell.cohort_month,
                "customers": cell.cohort_customers,
                "mrr": cell.cohort_start_mrr,
                "cells": [None] * months,
            },
        )
        if cell.months_since_start < months:
            rate = cell.logo_retention if metric == "logo" else cell.revenue_retention
            row["cells"][cell.months_since_start] = {
                "rate": rate,
                "label": "—" if rate is None else f"{rate * 100:.0f}",
                "fill": charts.heat_colour(rate),
                "ink": charts.heat_ink(rate),
                "title": f"{month_label(cell.month)}: {pct(rate)} "
                f"({cell.active_customers}/{cell.cohort_customers})",
            }
    return list(rows.values())


def target_rows(targets: dict[str, RevenueTarget]) -> list[tuple[str, RevenueTarget]]:
    """(label, target) per target row, the whole company first."""
    return [
        (_segment_label(code) if code else _("Whole company"), target)
        for code, target in sorted(targets.items())
    ]


def revenue_dashboard(
    *, filters: DashboardFilters, currency: str, targets: dict[str, RevenueTarget] | None = None
) -> dict[str, Any] | None:
    """Everything the dashboard draws, or None when no snapshot exists yet."""
    last = revenue_last_month()
    if last is None:
        return None
    first = month_start_before(last, filters.months - 1)
    rows = revenue_summary_rows(cut=filters.cut, first=first, last=last)
    segments = revenue_segment_rows(first=first, last=last)
    targets = revenue_targets() if targets is None else targets
    cohorts = revenue_cohort_rows(cut=filters.cut, first_cohort=first)
    months = month_starts(first, last)
    labels = [month_label(month) for month in months]
    current = rows[-1] if rows and rows[-1].month == last else None
    target = targets.get(filters.cut.value if filters.cut.dimension == "segment" else "")
    money = lambda value: format_money(int(value), currency)  # noqa: E731
    by_month = {row.month: row for row in rows}
    series_rows = [by_month.get(month) for month in months]
    mrr_values = [row.total_mrr if row else None for row in series_rows]
    return {
        "last": last,
        "first": first,
        "current": current,
        "target": target,
        "rows": rows,
        "segments": segments,
        "targets": targets,
        "bridge": _bridge(current, currency) if current else None,
        "mrr_chart": charts.line_chart(
            labels,
            [charts.Series("MRR", mrr_values, charts.PALETTE[0])],
            fmt=money,
            y_title="MRR",
        ),
        "net_new_chart": charts.bar_chart(
            labels,
            [row.net_new_mrr if row else 0 for row in series_rows],
            fmt=money,
            height=160,
            x_title=str(MONTH_AXIS),
            y_title=_("Net new MRR"),
        ),
        "retention_chart": _retention_chart(rows, target) if rows else None,
        "logo_churn_chart": _churn_chart(months, segments, targets, field="logo_churn_rate"),
        "gross_churn_chart": _churn_chart(months, segments, targets, field="gross_mrr_churn_rate"),
        "heatmap": _heatmap(cohorts, filters.cohort_metric, filters.months),
        "heatmap_columns": list(range(filters.months)),
        "scorecard": _scorecard(segments, targets, last),
        "cohorts": cohorts,
    }


def _scorecard(
    segments: dict[str, list[RevenueSnapshot]], targets: dict[str, RevenueTarget], last: dt.date
) -> list[dict[str, Any]]:
    """Per segment, this month against its targets (6-month mean logo churn, GRR/NRR 12m)."""
    out = []
    for code, rows in segments.items():
        now = rows[-1] if rows and rows[-1].month == last else None
        recent = [r.logo_churn_rate for r in rows[-6:] if r.logo_churn_rate is not None]
        mean = sum(recent) / len(recent) if recent else None
        target = targets.get(code)
        out.append(
            {
                "segment": _segment_label(code),
                "code": code,
                "mrr": now.total_mrr if now else 0,
                "customers": now.active_customers if now else 0,
                "churn": mean,
                "churn_target": target.logo_churn_rate if target else None,
                "churn_ok": _meets(mean, target.logo_churn_rate if target else None, low=True),
                "grr": now.grr_12m if now else None,
                "grr_target": target.grr_12m if target else None,
                "grr_ok": _meets(now.grr_12m if now else None, target.grr_12m if target else None),
                "nrr": now.nrr_12m if now else None,
                "nrr_target": target.nrr_12m if target else None,
                "nrr_ok": _meets(now.nrr_12m if now else None, target.nrr_12m if target else None),
            }
        )
    return out


def _meets(value: float | None, goal: float | None, *, low: bool = False) -> bool | None:
    if value is None or goal is None:
        return None
    return value <= goal if low else value >= goal


def csv_table(chart: str, data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The figures behind one chart: a header and rows (rates as fractions, money in minor
    units, empty = undefined — the conventions of docs/metrics.md)."""
    if chart == "bridge":
        row = data["current"]
        header = ["month", "step", "amount"]
        if row is None:
            return header, []
        steps = [
            ("start", row.start_mrr),
            ("new", row.new_mrr),
            ("expansion", row.expansion_mrr),
            ("reactivation", row.reactivation_mrr),
            ("contraction", -row.contraction_mrr),
            ("churn", -row.churn_mrr),
            ("end", row.total_mrr),
        ]
        return header, [[f"{row.month:%Y-%m}", step, amount] for step, amount in steps]
    if chart == "mrr":
        header = ["month", "total_mrr", "net_new_mrr", "active_customers", "arpa", "ltv"]
        fields = header[1:]
        return header, [
            [f"{r.month:%Y-%m}", *(getattr(r, f) for f in fields)] for r in data["rows"]
        ]
    if chart == "retention":
        header = ["month", "grr_12m", "nrr_12m", "grr_target", "nrr_target"]
        target = data["target"]
        goals = [target.grr_12m, target.nrr_12m] if target else [None, None]
        return header, [[f"{r.month:%Y-%m}", r.grr_12m, r.nrr_12m, *goals] for r in data["rows"]]
    if chart == "churn":
        header = [
            "segment",
            "month",
            "logo_churn_rate",
            "gross_mrr_churn_rate",
            "logo_churn_target",
        ]
        table = []
        for code, rows in data["segments"].items():
            target = data["targets"].get(code)
            goal = target.logo_churn_rate if target else None
            for r in rows:
                table.append(
                    [code, f"{r.month:%Y-%m}", r.logo_churn_rate, r.gross_mrr_churn_rate, goal]
                )
        return header, table
    header = [
        "cohort_month",
        "months_since_start",
        "cohort_customers",
        "active_customers",
        "logo_retention",
        "cohort_start_mrr",
        "mrr",
        "revenue_retention",
    ]
    return header, [
        [f"{c.cohort_month:%Y-%m}", *(getattr(c, f) for f in header[1:])] for c in data["cohorts"]
    ]
