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

from kizuna.apps.front.formats import month_label
from kizuna.apps.revenue import charts
from kizuna.apps.revenue.models import RevenueSnapshot, RevenueTarget
from kizuna.apps.revenue.selectors import (
    Cut,
    revenue_cohort_rows,
    revenue_last_month,
    revenue_segment_rows,
    revenue_summary_rows,
    revenue_targets,
)
from kizuna.core.calendar import month_start_before, month_starts

PERIODS: Final = (12, 24, 36)
CHARTS: Final = ("bridge", "mrr", "retention", "churn", "cohorts")
COHORT_METRICS: Final = {
    "logo": gettext_lazy("Logo retention"),
    "revenue": gettext_lazy("Revenue retention (net)"),
}
COMPANY: Final = Cut()


@dataclass(frozen=True, kw_only=True)
class DashboardFilters:
    cut: Cut = COMPANY
    months: int = 24
    cohort_metric: str = "logo"


def target_rows(targets: dict[str, RevenueTarget]) -> list[tuple[str, RevenueTarget]]:
    """(label, target) per target row, the whole company first."""
    return [
        (charts.segment_label(code) if code else _("Whole company"), target)
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
        "bridge": charts.bridge(current, currency) if current else None,
        "mrr_chart": charts.mrr_trend(labels, mrr_values, currency),
        "net_new_chart": charts.net_new(
            labels, [row.net_new_mrr if row else 0 for row in series_rows], currency
        ),
        "retention_chart": charts.retention(rows, target) if rows else None,
        "logo_churn_chart": charts.churn(
            months,
            segments,
            targets,
            field="logo_churn_rate",
            label=_("Logo churn rate by segment"),
        ),
        "gross_churn_chart": charts.churn(
            months,
            segments,
            targets,
            field="gross_mrr_churn_rate",
            label=_("Gross MRR churn rate by segment"),
        ),
        "heatmap": charts.heatmap(cohorts, filters.cohort_metric, filters.months),
        "heat_legend": charts.heat_legend(),
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
                "segment": charts.segment_label(code),
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
