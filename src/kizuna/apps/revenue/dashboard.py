"""The executive revenue dashboard's view model: charts and tables from the snapshot tables.

``revenue_dashboard`` reads a fixed number of queries (latest month, the cut's rows, the
segment rows, targets, cohort cells) whatever the period; every chart also has a plain table
(``csv_table``) so that it can be downloaded as CSV with exactly the figures drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.apps.front.charts import Chart, Markup
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


@dataclass(frozen=True, slots=True)
class SegmentScore:
    """A segment's figures this month against its targets: MRR and active accounts, the
    6-month mean logo churn, GRR and NRR over 12 months; each ``*_ok`` is None without a
    figure or a target."""

    segment: str
    label: str
    mrr: int
    customers: int
    churn: float | None
    churn_target: float | None
    churn_ok: bool | None
    grr: float | None
    grr_target: float | None
    grr_ok: bool | None
    nrr: float | None
    nrr_target: float | None
    nrr_ok: bool | None


@dataclass(frozen=True, slots=True)
class RevenueDashboard:
    """Everything the dashboard draws, for the months ``first`` to ``last`` (month starts):
    the cut's rows and this month's (``current``) with its target, the rows and targets per
    segment, the charts, the cohort heatmap and its columns, the segments' scorecard and the
    cohort cells behind the heatmap."""

    last: dt.date
    first: dt.date
    current: RevenueSnapshot | None
    target: RevenueTarget | None
    rows: list[RevenueSnapshot]
    segments: Mapping[str, list[RevenueSnapshot]]
    targets: Mapping[str, RevenueTarget]
    bridge: Chart | None
    mrr_chart: Chart
    net_new_chart: Chart
    retention_chart: Chart | None
    logo_churn_chart: Chart
    gross_churn_chart: Chart
    heatmap: list[charts.HeatRow]
    heat_legend: Markup
    heatmap_columns: list[int]
    scorecard: list[SegmentScore]
    cohorts: list[CohortSnapshot]


def revenue_dashboard(
    *, filters: DashboardFilters, currency: str, targets: dict[str, RevenueTarget] | None = None
) -> RevenueDashboard | None:
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
    return RevenueDashboard(
        last=last,
        first=first,
        current=current,
        target=target,
        rows=rows,
        segments=segments,
        targets=targets,
        bridge=charts.bridge(current, currency) if current else None,
        mrr_chart=charts.mrr_trend(labels, mrr_values, currency),
        net_new_chart=charts.net_new(
            labels, [row.net_new_mrr if row else 0 for row in series_rows], currency
        ),
        retention_chart=charts.retention(rows, target) if rows else None,
        logo_churn_chart=charts.churn(
            months,
            segments,
            targets,
            field="logo_churn_rate",
            label=_("Logo churn rate by segment"),
        ),
        gross_churn_chart=charts.churn(
            months,
            segments,
            targets,
            field="gross_mrr_churn_rate",
            label=_("Gross MRR churn rate by segment"),
        ),
        heatmap=charts.heatmap(cohorts, filters.cohort_metric, filters.months),
        heat_legend=charts.heat_legend(),
        heatmap_columns=list(range(filters.months)),
        scorecard=_scorecard(segments, targets, last),
        cohorts=cohorts,
    )


def _scorecard(
    segments: dict[str, list[RevenueSnapshot]], targets: dict[str, RevenueTarget], last: dt.date
) -> list[SegmentScore]:
    """Per segment, this month against its targets (6-month mean logo churn, GRR/NRR 12m)."""
    out = []
    for code, rows in segments.items():
        now = rows[-1] if rows and rows[-1].month == last else None
        recent = [r.logo_churn_rate for r in rows[-6:] if r.logo_churn_rate is not None]
        mean = sum(recent) / len(recent) if recent else None
        target = targets.get(code)
        out.append(
            SegmentScore(
                segment=code,
                label=charts.segment_label(code),
                mrr=now.total_mrr if now else 0,
                customers=now.active_customers if now else 0,
                churn=mean,
                churn_target=target.logo_churn_rate if target else None,
                churn_ok=_meets(mean, target.logo_churn_rate if target else None, low=True),
                grr=now.grr_12m if now else None,
                grr_target=target.grr_12m if target else None,
                grr_ok=_meets(now.grr_12m if now else None, target.grr_12m if target else None),
                nrr=now.nrr_12m if now else None,
                nrr_target=target.nrr_12m if target else None,
                nrr_ok=_meets(now.nrr_12m if now else None, target.nrr_12m if target else None),
            )
        )
    return out


def _meets(value: float | None, goal: float | None, *, low: bool = False) -> bool | None:
    if value is None or goal is None:
        return None
    return value <= goal if low else value >= goal


CSV_HEADERS: Final = {
    "bridge": ["month", "step", "amount"],
    "mrr": ["month", "total_mrr", "net_new_mrr", "active_customers", "arpa", "ltv"],
    "retention": ["month", "grr_12m", "nrr_12m", "grr_target", "nrr_target"],
    "churn": ["segment", "month", "logo_churn_rate", "gross_mrr_churn_rate", "logo_churn_target"],
    "cohorts": [
        "cohort_month",
        "months_since_start",
        "cohort_customers",
        "active_customers",
        "logo_retention",
        "cohort_start_mrr",
        "mrr",
        "revenue_retention",
    ],
}


def csv_table(chart: str, data: RevenueDashboard | None) -> tuple[list[str], list[list[Any]]]:
    """The figures behind one chart (one of ``CHARTS``): a header and rows (rates as
    fractions, money in minor units, empty = undefined — the conventions of
    docs/metrics.md); no rows without data."""
    header = CSV_HEADERS[chart]
    return header, [] if data is None else _csv_rows(chart, data)


def _csv_rows(chart: str, data: RevenueDashboard) -> list[list[Any]]:
    if chart == "bridge":
        row = data.current
        if row is None:
            return []
        steps = [
            ("start", row.start_mrr),
            ("new", row.new_mrr),
            ("expansion", row.expansion_mrr),
            ("reactivation", row.reactivation_mrr),
            ("contraction", -row.contraction_mrr),
            ("churn", -row.churn_mrr),
            ("end", row.total_mrr),
        ]
        return [[f"{row.month:%Y-%m}", step, amount] for step, amount in steps]
    if chart == "mrr":
        fields = CSV_HEADERS["mrr"][1:]
        return [[f"{r.month:%Y-%m}", *(getattr(r, f) for f in fields)] for r in data.rows]
    if chart == "retention":
        target = data.target
        goals = [target.grr_12m, target.nrr_12m] if target else [None, None]
        return [[f"{r.month:%Y-%m}", r.grr_12m, r.nrr_12m, *goals] for r in data.rows]
    if chart == "churn":
        table = []
        for code, rows in data.segments.items():
            segment_target = data.targets.get(code)
            goal = segment_target.logo_churn_rate if segment_target else None
            for r in rows:
                table.append(
                    [code, f"{r.month:%Y-%m}", r.logo_churn_rate, r.gross_mrr_churn_rate, goal]
                )
        return table
    fields = CSV_HEADERS["cohorts"][1:]
    return [[f"{c.cohort_month:%Y-%m}", *(getattr(c, f) for f in fields)] for c in data.cohorts]
