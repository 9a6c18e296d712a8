"""GRR and NRR over trailing windows of the customers active at the window start.

A k-month window ending with month m starts at the END of month s = m − k and ends at the end
of m (so the 12-month window ending December 2019 measures the movements of January–December
2019 against the book of 31 December 2018). The cohort is every customer with MRR > 0 at the
end of s; customers that became active after s (new in the window) never count.

Convention — start versus end, per customer: each cohort customer's MRR at the end of m is
compared with its MRR at the end of s, and only that net change counts. A customer that
contracts in March and expands back in June lost nothing; one that churns and comes back has
the difference between its end and start MRR. Per customer:

- churned MRR      = start            when end = 0
- contraction MRR  = start − end      when 0 < end < start
- expansion MRR    = end − start      when end > start (reactivation after a churn included)

``GRR = (start − churned − contraction) / start = Σ min(start, end) / Σ start`` (capped, so
0 ≤ GRR ≤ 1) and ``NRR = (start − churned − contraction + expansion) / start = Σ end / Σ start``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from kizuna.core.revenue.lines import Dimension, first_row_expr, groups_for, keys_for
from kizuna.core.revenue.summary import ratio


def window_pairs(
    movements: pl.DataFrame, *, months: int, keys: list[str], carry: Sequence[str] = ()
) -> pl.DataFrame:
    """Each cohort customer's start and end MRR, keyed by the window's end month.

    The end row is ``months`` rows further down within the same customer: the grid has one
    row per month without gaps, so row + k is month + k. ``keys`` are the customer grain
    (``keys_for(by)``); ``carry`` are more columns to keep, constant per customer (the account
    attributes :func:`kizuna.core.revenue.report.revenue_reports` cuts by in one pass).
    """
    run = first_row_expr(keys).cum_sum()
    same_customer = run.shift(-months) == run
    return movements.select(
        *keys[:-1],
        *carry,
        pl.col("date_month").shift(-months),
        start=pl.col("mrr"),
        end=pl.col("mrr").shift(-months),
        keep=same_customer & (pl.col("mrr") > 0),
    ).filter(pl.col("keep"))


def book_months(movements: pl.DataFrame, groups: list[str]) -> pl.DataFrame:
    """Every month from the first to the last of the frame, per group."""
    bounds = [pl.col("date_month").min().alias("low"), pl.col("date_month").max().alias("high")]
    spans = movements.group_by(groups).agg(*bounds) if groups else movements.select(*bounds)
    return spans.select(*groups, date_month=pl.date_ranges("low", "high", interval="1mo")).explode(
        "date_month"
    )


def retention_windows(
    movements: pl.DataFrame, *, months: int, by: Dimension | None = None
) -> pl.DataFrame:
    """GRR and NRR of the ``months``-month window ending with each month of the book.

    Input: :func:`kizuna.core.revenue.movements.mrr_movements` output (or ``customer_mrr``) with
    the same ``by``: the complete grid, each customer's rows contiguous and in month order.
    Formulas and boundaries: see the module docstring (window start = end of month
    m − months, whose own movements are not in the window; window end = end of m, inclusive).
    Returns one row per month of the book (per ``by`` value): ``[by], date_month,
    window_start_month, cohort_customers, retained_customers (end > 0), start_mrr, end_mrr,
    churned_mrr, contraction_mrr, expansion_mrr`` (integer minor units, positive), ``grr,
    nrr`` (fractions). Where the cohort is empty — the window starts before the book or at a
    month with no active customer — counts and amounts are 0 and ``grr``/``nrr`` are null.
    """
    if months < 1:
        raise ValueError("a retention window is at least one month")
    keys, groups = keys_for(by), groups_for(by)
    pairs = window_pairs(movements, months=months, keys=keys)
    book = book_months(movements, groups)
    return windows_from_sums(window_sums(pairs, groups), book, months=months, by=by)


#: The additive columns of a window (every one a sum over the cohort's customers).
SUM_COLUMNS = (
    "cohort_customers",
    "retained_customers",
    "start_mrr",
    "end_mrr",
    "churned_mrr",
    "contraction_mrr",
    "expansion_mrr",
    "retained_mrr",
)


def window_sums(pairs: pl.DataFrame, groups: list[str]) -> pl.DataFrame:
    """The sums of :func:`window_pairs` per ``groups`` and window end month (see
    :data:`SUM_COLUMNS`); those of a finer grouping add up to a coarser one's."""
    start, end = pl.col("start"), pl.col("end")
    return pairs.group_by([*groups, "date_month"]).agg(
        cohort_customers=pl.len().cast(pl.Int64),
        retained_customers=(end > 0).sum().cast(pl.Int64),
        start_mrr=start.sum(),
        end_mrr=end.sum(),
        churned_mrr=pl.when(end == 0).then(start).otherwise(0).sum(),
        contraction_mrr=pl.when((end > 0) & (end < start)).then(start - end).otherwise(0).sum(),
        expansion_mrr=pl.when(end > start).then(end - start).otherwise(0).sum(),
        retained_mrr=pl.min_horizontal(start, end).sum(),
    )


def windows_from_sums(
    sums: pl.DataFrame, book: pl.DataFrame, *, months: int, by: Dimension | None = None
) -> pl.DataFrame:
    """:func:`retention_windows` from :func:`window_sums` (of ``by`` or a finer grouping) and
    the book's months per ``by`` value (:func:`book_months`)."""
    groups = groups_for(by)
    windows = sums.group_by([*groups, "date_month"]).agg(pl.col(*SUM_COLUMNS).sum())
    counts = [c for c in SUM_COLUMNS if c != "retained_mrr"]
    return (
        book.join(windows, on=[*groups, "date_month"], how="left", nulls_equal=True)
        .select(
            *groups,
            "date_month",
            pl.col("date_month").dt.offset_by(f"-{months}mo").alias("window_start_month"),
            *[pl.col(c).fill_null(0) for c in counts],
            grr=ratio(pl.col("retained_mrr"), pl.col("start_mrr")),
            nrr=ratio(pl.col("end_mrr"), pl.col("start_mrr")),
        )
        .sort([*groups, "date_month"], nulls_last=True)
    )
