"""MRR per customer per month on a complete customer × month grid.

MRR of a customer in month m = Σ ``monthly_amount`` of its lines active on m's LAST day, i.e.
lines with ``start_date ≤ last_day(m) < end_date``. With an exclusive end this means a line is
active in the months ``[month(start_date), month(end_date))``: a line 2018-11-01 → 2019-02-01
counts in November, December and January; a line 2018-11-01 → 2019-02-15 too (it is gone on
28 February); a line that starts and ends within one month never counts.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from kizuna.core.calendar import month_index
from kizuna.core.revenue.lines import (
    Dimension,
    check_lines,
    keys_for,
    month_index_expr,
    month_start_expr,
    run_first_expr,
)


def _line_spans(lines: pl.DataFrame, keys: list[str], last: int) -> pl.DataFrame:
    """Per line: its first active month index and its end index (exclusive, capped at last+1).

    Lines that are never active on a month's last day up to ``last`` are dropped, and so are
    zero-amount lines (they change no one's MRR).
    """
    return (
        lines.select(
            *keys,
            start=month_index_expr("start_date"),
            end=month_index_expr("end_date").fill_null(last + 1).clip(upper_bound=last + 1),
            amount=pl.col("monthly_amount").cast(pl.Int64),
        )
        .filter(pl.col("amount") > 0, pl.col("start") < pl.col("end"), pl.col("start") <= last)
        .with_columns(pl.col("start").cast(pl.Int32), pl.col("end").cast(pl.Int32))
    )


def customer_mrr(
    lines: pl.DataFrame, *, as_of: dt.date, by: Dimension | None = None
) -> pl.DataFrame:
    """MRR per customer per month, from each customer's first active month to ``as_of``.

    Formula: ``mrr(c, m) = Σ monthly_amount`` of c's lines with
    ``start_date ≤ last_day(m) < end_date`` (integer minor units).
    Period: every month from the customer's first month with MRR > 0 up to and including the
    month of ``as_of`` (any day of it), with no gaps: months between two contracts and months
    after a churn are present with ``mrr = 0``. Customers never active on a month's last day up
    to ``as_of`` (e.g. started and ended within one month) do not appear. Lines starting after
    ``as_of`` are ignored.
    ``by``: each value of the dimension is a separate book; a customer with lines in two
    products appears once per product (null values form their own group).

    Returns columns ``[by] (Categorical), customer_id, date_month (Date, first of month),
    mrr (Int64)``,
    sorted by ``[by], customer_id, date_month``. No denominators: nothing can be undefined.
    """
    check_lines(lines, by=by)
    keys = keys_for(by)
    last = month_index(as_of)
    if by:  # a categorical makes the per-value grouping and sorting downstream much cheaper
        lines = lines.with_columns(pl.col(by).cast(pl.Categorical))
    spans = _line_spans(lines, keys, last)
    customers = (
        spans.group_by(keys)
        .agg(first=pl.col("start").min())
        .sort(keys, nulls_last=True)
        .with_columns(length=last + 1 - pl.col("first"))
        .with_columns(offset=pl.col("length").cum_sum() - pl.col("length"))
    )
    total = int(customers["length"].sum())
    deltas = _deltas(spans.join(customers, on=keys, nulls_equal=True), last)
    grid = customers.select(
        *keys, "first", month=pl.int_ranges("first", last + 1, dtype=pl.Int32)
    ).explode("month")
    delta = pl.zeros(total, pl.Int64, eager=True).scatter(deltas["position"], deltas["delta"])
    running = pl.lit(delta).cum_sum()
    base = run_first_expr(running - pl.lit(delta), pl.col("month") == pl.col("first"))
    low = int(customers["first"].min() or last)  # type: ignore[arg-type]
    return grid.select(
        *keys,
        date_month=month_start_expr(pl.col("month"), low=low, high=last),
        mrr=running - base,
    )


def _deltas(spans: pl.DataFrame, last: int) -> pl.DataFrame:
    """MRR changes per grid position: +amount at a line's start, −amount at its end."""
    position = pl.col("offset") - pl.col("first")
    starts = spans.select(position=position + pl.col("start"), delta=pl.col("amount"))
    ends = spans.filter(pl.col("end") <= last).select(
        position=position + pl.col("end"), delta=-pl.col("amount")
    )
    return pl.concat([starts, ends]).group_by("position").agg(pl.col("delta").sum())
