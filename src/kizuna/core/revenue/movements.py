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

from kizuna.core.revenue.lines import Dimension, first_row_expr, keys_for, run_first_expr

NEW: Final = "new"
REACTIVATION: Final = "reactivation"
EXPANSION: Final = "expansion"
CONTRACTION: Final = "contraction"
CHURN: Final = "churn"
UNCHANGED: Final = "unchanged"

#: Every non-null value of ``change_category``.
CATEGORIES: Final[tuple[str, ...]] = (NEW, REACTIVATION, EXPANSION, CONTRACTION, CHURN, UNCHANGED)


#: dtype of ``change_category``: a Polars Enum of :data:`CATEGORIES` (written as text).
CATEGORY_DTYPE: Final = pl.Enum(CATEGORIES)


def _label(category: str) -> pl.Expr:
    return pl.lit(category, dtype=CATEGORY_DTYPE)


def _category(prev: pl.Expr, cur: pl.Expr, was_active: pl.Expr) -> pl.Expr:
    return (
        pl.when((prev == 0) & (cur > 0) & ~was_active)
        .then(_label(NEW))
        .when((prev == 0) & (cur > 0))
        .then(_label(REACTIVATION))
        .when((prev > 0) & (cur == 0))
        .then(_label(CHURN))
        .when((prev > 0) & (cur > prev))
        .then(_label(EXPANSION))
        .when((cur > 0) & (cur < prev))
        .then(_label(CONTRACTION))
        .when(cur > 0)
        .then(_label(UNCHANGED))
        .otherwise(pl.lit(None, dtype=CATEGORY_DTYPE))
    )


def mrr_movements(customer_mrr: pl.DataFrame, *, by: Dimension | None = None) -> pl.DataFrame:
    """Each customer-month's previous MRR, change and movement category.

    Input: the output of :func:`kizuna.core.revenue.mrr.customer_mrr` with the same ``by``
    (each customer's rows contiguous, in month order, without gaps; row order is kept).
    Formula: ``previous_month_mrr(m) = mrr(m−1)`` (0 in the customer's first row),
    ``mrr_change = mrr − previous_month_mrr`` (signed, integer minor units),
    ``change_category`` per the module table; "active before" looks at every earlier row.
    Returns the input columns plus ``previous_month_mrr (Int64), mrr_change (Int64),
    change_category (Enum of CATEGORIES, null = no movement while inactive)``, same row order.
    """
    first = first_row_expr(keys_for(by))
    active = (pl.col("mrr") > 0).cast(pl.Int64)
    seen = active.cum_sum() - active  # active rows before this one, over the whole frame
    active_before = seen - run_first_expr(seen, pl.col("_first")) > 0
    prev = pl.when(pl.col("_first")).then(0).otherwise(pl.col("mrr").shift(1))
    return (
        customer_mrr.with_columns(_first=first)
        .with_columns(previous_month_mrr=prev, _active_before=active_before)
        .with_columns(
            mrr_change=pl.col("mrr") - pl.col("previous_month_mrr"),
            change_category=_category(
                pl.col("previous_month_mrr"), pl.col("mrr"), pl.col("_active_before")
            ),
        )
        .drop("_first", "_active_before")
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
