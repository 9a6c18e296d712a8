"""The whole revenue computation in one call: what the CLI and the snapshot job use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl

from kizuna.core.revenue.churn import churn_rates
from kizuna.core.revenue.cohorts import cohort_retention
from kizuna.core.revenue.lines import Dimension, groups_for
from kizuna.core.revenue.ltv import arpa_and_ltv
from kizuna.core.revenue.movements import mrr_movements
from kizuna.core.revenue.mrr import customer_mrr
from kizuna.core.revenue.retention import retention_windows
from kizuna.core.revenue.summary import monthly_summary

#: Trailing GRR/NRR windows the report carries, in months.
WINDOWS: tuple[int, ...] = (3, 12)

#: The summary's headline figures, in the order ``kizuna revenue`` writes them after
#: ``date_month`` (summary.csv, summary_by_<dimension>.csv); each is a column of
#: ``RevenueReport.summary``, defined in docs/metrics.md.
SUMMARY_COLUMNS: Final[tuple[str, ...]] = (
    "total_mrr",
    "active_customers",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churn_mrr",
    "reactivation_mrr",
    "net_new_mrr",
    "logo_churn_rate",
    "gross_mrr_churn_rate",
    "net_mrr_churn_rate",
    "grr_12m",
    "nrr_12m",
    "arpa",
    "ltv",
)
#: The summary's other figures the revenue snapshots keep beside the headline: the month's
#: start (the previous month's end), the customers of each movement, the 3-month windows.
SUMMARY_DETAIL_COLUMNS: Final[tuple[str, ...]] = (
    "previous_total_mrr",
    "previous_active_customers",
    "new_customers",
    "expansion_customers",
    "reactivated_customers",
    "contraction_customers",
    "churned_customers",
    "grr_3m",
    "nrr_3m",
)


@dataclass(frozen=True)
class RevenueReport:
    """Every revenue figure of one book (or one ``by`` cut), as of one month.

    - ``movements``: one row per customer-month (see ``mrr_movements``), the complete grid
      from each customer's first active month to ``as_of``.
    - ``summary``: one row per month: ``monthly_summary`` + ``churn_rates`` columns, then
      ``grr_3m, nrr_3m, grr_12m, nrr_12m`` (see ``retention_windows``), then ``arpa,
      mean_logo_churn_rate, ltv`` (see ``arpa_and_ltv``).
    - ``cohorts``: ``cohort_retention`` output.
    """

    as_of: dt.date
    by: Dimension | None
    movements: pl.DataFrame
    summary: pl.DataFrame
    cohorts: pl.DataFrame


def revenue_report(
    lines: pl.DataFrame,
    *,
    as_of: dt.date,
    by: Dimension | None = None,
    gross_margin: float | None = None,
    churn_months: int = 6,
) -> RevenueReport:
    """Compute MRR, movements, the monthly summary with every rate, windows and cohorts.

    ``lines``: a lines frame (see ``kizuna.core.revenue.lines``); ``as_of``: any day of the
    last month to report (month-end snapshot); ``by``: a dimension to cut by, every frame then
    has that column first; ``gross_margin`` and ``churn_months`` go to ``arpa_and_ltv``.
    Boundaries and null rules are those of each underlying function.
    """
    movements = mrr_movements(customer_mrr(lines, as_of=as_of, by=by), by=by)
    summary = churn_rates(monthly_summary(movements, by=by))
    groups = [*groups_for(by), "date_month"]
    for months in WINDOWS:
        window = retention_windows(movements, months=months, by=by).select(
            *groups, pl.col("grr").alias(f"grr_{months}m"), pl.col("nrr").alias(f"nrr_{months}m")
        )
        summary = summary.join(window, on=groups, how="left", nulls_equal=True)
    summary = arpa_and_ltv(summary, by=by, gross_margin=gross_margin, churn_months=churn_months)
    return RevenueReport(
        as_of=as_of.replace(day=1),
        by=by,
        movements=movements,
        summary=summary,
        cohorts=cohort_retention(movements, by=by),
    )
