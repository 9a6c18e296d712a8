"""Cohort retention by contract-start month (logo and revenue).

A customer's cohort is its first month with MRR > 0 (per ``by`` value when cut). Month 0 of a
cohort is that month itself; month k is k calendar months later, up to ``as_of``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from kizuna.core.revenue.lines import (
    Dimension,
    first_row_expr,
    groups_for,
    keys_for,
    run_first_expr,
)
from kizuna.core.revenue.summary import ratio


def cohort_retention(movements: pl.DataFrame, *, by: Dimension | None = None) -> pl.DataFrame:
    """Per cohort and months since start: how many customers and how much MRR remain.

    Input: :func:`kizuna.core.revenue.mrr.customer_mrr` (or ``mrr_movements``) output with the
    same ``by``: each customer's rows contiguous, in month order, starting at its first active
    month. Formulas, for cohort c and month k (snapshot at the end of month c + k):

    - ``logo_retention = active_customers(c + k) / cohort_customers`` (active: MRR > 0; a
      customer that churned and came back counts again once reactivated)
    - ``revenue_retention = mrr(c + k) / cohort_start_mrr`` — net: expansion included
    - ``gross_revenue_retention = Σ min(mrr(c + k), own month-0 MRR) / cohort_start_mrr``

    ``cohort_customers`` and ``cohort_start_mrr`` are the cohort's size and MRR in month 0, so
    month 0 has every retention = 1. Denominators are never 0 (a cohort has ≥ 1 customer with
    MRR > 0), but a rate would be null if one were.
    Columns: ``[by], cohort_month, months_since_start, date_month, cohort_customers,
    active_customers, logo_retention, cohort_start_mrr, mrr, revenue_retention,
    gross_revenue_retention``; sorted by ``[by], cohort_month, months_since_start``.
    """
    groups = groups_for(by)
    return cohorts_from_sums(cohort_sums(cohort_rows(movements, keys=keys_for(by)), groups), by=by)


def cohort_rows(
    movements: pl.DataFrame, *, keys: list[str], carry: Sequence[str] = ()
) -> pl.DataFrame:
    """Per customer-month: its cohort month, months since start and month-0 MRR.

    ``keys`` are the customer grain (``keys_for(by)``); ``carry`` are more columns to keep,
    constant per customer (the account attributes
    :func:`kizuna.core.revenue.report.revenue_reports` cuts by in one pass).
    """
    first = pl.col("_first")
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    return movements.with_columns(_first=first_row_expr(keys)).select(
        *keys[:-1],
        *carry,
        "date_month",
        "mrr",
        cohort_month=run_first_expr(pl.col("date_month"), first),
        months_since_start=row - run_first_expr(row, first),
        start=run_first_expr(pl.col("mrr"), first),
    )


def cohort_sums(rows: pl.DataFrame, groups: list[str]) -> pl.DataFrame:
    """Per ``groups``, cohort month and months since start: the cohort's customers and MRR
    (month 0), the active customers, MRR and capped MRR. Every column is a sum (``date_month``
    follows from the other keys), so a finer grouping's sums add up to a coarser one's."""
    month_zero = pl.col("months_since_start") == 0
    return rows.group_by([*groups, "cohort_month", "months_since_start"]).agg(
        date_month=pl.col("date_month").first(),
        cohort_customers=month_zero.sum().cast(pl.Int64),
        cohort_start_mrr=pl.when(month_zero).then(pl.col("mrr")).otherwise(0).sum(),
        active_customers=(pl.col("mrr") > 0).sum().cast(pl.Int64),
        mrr=pl.col("mrr").sum(),
        capped_mrr=pl.min_horizontal("mrr", "start").sum(),
    )


def cohorts_from_sums(sums: pl.DataFrame, *, by: Dimension | None = None) -> pl.DataFrame:
    """:func:`cohort_retention` from :func:`cohort_sums` of ``by`` or of a finer grouping."""
    cohort = [*groups_for(by), "cohort_month"]
    table = sums.group_by([*cohort, "months_since_start"]).agg(
        pl.col("date_month").first(),
        pl.col(
            "cohort_customers", "cohort_start_mrr", "active_customers", "mrr", "capped_mrr"
        ).sum(),
    )
    size = ["cohort_customers", "cohort_start_mrr"]
    month_zero = table.filter(pl.col("months_since_start") == 0).select(*cohort, *size)
    return (
        table.drop(size)
        .join(month_zero, on=cohort, how="left", nulls_equal=True)
        .select(
            *cohort,
            "months_since_start",
            "date_month",
            "cohort_customers",
            "active_customers",
            logo_retention=ratio(pl.col("active_customers"), pl.col("cohort_customers")),
            cohort_start_mrr="cohort_start_mrr",
            mrr="mrr",
            revenue_retention=ratio(pl.col("mrr"), pl.col("cohort_start_mrr")),
            gross_revenue_retention=ratio(pl.col("capped_mrr"), pl.col("cohort_start_mrr")),
        )
        .sort([*cohort, "months_since_start"], nulls_last=True)
    )
