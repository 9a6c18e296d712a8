"""MRR movements: how each customer's MRR changed from month m−1 to month m.

Categories (``prev`` = MRR in m−1, ``cur`` = MRR in m, "active" = MRR > 0):

=============  ==============================================================
new            prev = 0 → cur > 0, never active before m
reactivation   prev = 0 → cur > 0, active in some month before m−1
expansion      cur > prev > 0
contraction    prev > cur > 0
churn          prev > 0 → cur = 0 (the first month at 0 after an active month)
unchanged      cur = prev > 0
null (empty)   prev = cur = 0 (between two contracts, or after a churn)
=============  ==============================================================
"""

from __future__ import annotations

from typing import Final

import polars as pl

from kizuna.core.revenue.lines import Dimension, keys_for

NEW: Final = "new"
REACTIVATION: Final = "reactivation"
EXPANSION: Final = "expansion"
CONTRACTION: Final = "contraction"
CHURN: Final = "churn"
UNCHANGED: Final = "unchanged"

#: Every non-null value of ``change_category``.
CATEGORIES: Final[tuple[str, ...]] = (NEW, REACTIVATION, EXPANSION, CONTRACTION, CHURN, UNCHANGED)


def _category(prev: pl.Expr, cur: pl.Expr, was_active: pl.Expr) -> pl.Expr:
    return (
        pl.when((prev == 0) & (cur > 0) & ~was_active)
        .then(pl.lit(NEW))
        .when((prev == 0) & (cur > 0))
        .then(pl.lit(REACTIVATION))
        .when((prev > 0) & (cur == 0))
        .then(pl.lit(CHURN))
        .when((prev > 0) & (cur > prev))
        .then(pl.lit(EXPANSION))
        .when((cur > 0) & (cur < prev))
        .then(pl.lit(CONTRACTION))
        .when(cur > 0)
        .then(pl.lit(UNCHANGED))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def mrr_movements(customer_mrr: pl.DataFrame, *, by: Dimension | None = None) -> pl.DataFrame:
    """Each customer-month's previous MRR, change and movement category.

    Input: the output of :func:`kizuna.core.revenue.mrr.customer_mrr` with the same ``by``
    (rows of one customer in month order, without gaps).
    Formula: ``previous_month_mrr(m) = mrr(m−1)`` (0 in the customer's first row),
    ``mrr_change = mrr − previous_month_mrr`` (signed, integer minor units),
    ``change_category`` per the module table; "active before" looks at every earlier row.
    Returns the input columns plus ``previous_month_mrr (Int64), mrr_change (Int64),
    change_category (String, null = no movement while inactive)``, same row order.
    """
    keys = keys_for(by)
    prev = pl.col("mrr").shift(1, fill_value=0).over(keys)
    active_before = (pl.col("mrr") > 0).cum_sum().shift(1, fill_value=0).over(keys) > 0
    return customer_mrr.with_columns(previous_month_mrr=prev).with_columns(
        mrr_change=pl.col("mrr") - pl.col("previous_month_mrr"),
        change_category=_category(pl.col("previous_month_mrr"), pl.col("mrr"), active_before),
    )


def trim_inactive_tail(movements: pl.DataFrame, *, by: Dimension | None = None) -> pl.DataFrame:
    """Drop each customer's rows after the churn month that follows its last active month.

    What remains per customer runs from its first active month through its last active month,
    plus the churn row of the month after (if that month is in the frame), gaps between
    contracts included — the row shape of the dbt-labs mrr-playbook's ``mrr`` model.
    """
    keys = keys_for(by)
    last_active = pl.col("date_month").filter(pl.col("mrr") > 0).max().over(keys)
    return movements.filter(pl.col("date_month") <= last_active.dt.offset_by("1mo"))
