"""Revenue and retention analytics: MRR, movements, churn, GRR, NRR, ARPA, LTV, cohorts.

Pure: Polars in, Polars (or frozen dataclasses) out; no Django, no clock. The pipeline is

    lines ──customer_mrr──▶ MRR grid ──mrr_movements──▶ movements
    movements ──monthly_summary──▶ summary ──churn_rates──▶ rates ──arpa_and_ltv──▶ + LTV
    movements ──retention_windows(months=3|12)──▶ GRR / NRR
    movements ──cohort_retention──▶ cohorts

and :func:`revenue_report` runs all of it. Every function takes ``by=`` one of
:data:`DIMENSIONS` to cut the figures per dimension value. Definitions: ``docs/metrics.md``.
"""

from kizuna.core.revenue.churn import annualised_churn, churn_rates, simple_annual_churn
from kizuna.core.revenue.cohorts import cohort_retention
from kizuna.core.revenue.lines import (
    DIMENSIONS,
    REQUIRED_COLUMNS,
    Dimension,
    SubscriptionLine,
    check_lines,
    default_as_of,
    lines_frame,
)
from kizuna.core.revenue.ltv import arpa_and_ltv, lifetime_value
from kizuna.core.revenue.movements import CATEGORIES, mrr_movements, trim_inactive_tail
from kizuna.core.revenue.mrr import customer_mrr
from kizuna.core.revenue.report import RevenueReport, revenue_report, revenue_reports
from kizuna.core.revenue.retention import retention_windows
from kizuna.core.revenue.summary import monthly_summary

__all__ = [
    "CATEGORIES",
    "DIMENSIONS",
    "REQUIRED_COLUMNS",
    "Dimension",
    "RevenueReport",
    "SubscriptionLine",
    "annualised_churn",
    "arpa_and_ltv",
    "check_lines",
    "churn_rates",
    "cohort_retention",
    "customer_mrr",
    "default_as_of",
    "lifetime_value",
    "lines_frame",
    "monthly_summary",
    "mrr_movements",
    "retention_windows",
    "revenue_report",
    "revenue_reports",
    "simple_annual_churn",
    "trim_inactive_tail",
]
