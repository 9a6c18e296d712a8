"""Monthly summary of MRR movements: the MRR bridge of every month.

``total_mrr(m−1) + new + reactivation + expansion − contraction − churn = total_mrr(m)``
holds in every month (all amounts integer minor units, movement amounts positive).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from kizuna.core.revenue.lines import Dimension, groups_for
from kizuna.core.revenue.movements import (
    CATEGORY_DTYPE,
    CHURN,
    CONTRACTION,
    EXPANSION,
    NEW,
    REACTIVATION,
)


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator`` as Float64, null where the denominator is 0 or null."""
    return (
        pl.when(denominator != 0)
        .then(numerator.cast(pl.Float64) / denominator.cast(pl.Float64))
        .otherwise(pl.lit(None, dtype=pl.Float64))
    )


MOVEMENT_MRR_COLUMNS: Final[tuple[str, ...]] = (
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churn_mrr",
    "reactivation_mrr",
)
MOVEMENT_COUNT_COLUMNS: Final[tuple[str, ...]] = (
    "new_customers",
    "expansion_customers",
    "contraction_customers",
    "churned_customers",
    "reactivated_customers",
)


def _movement_aggs() -> list[pl.Expr]:
    """Over rows per category (``change_category``, ``_change``, ``_count``): each movement's
    MRR (positive) and customers."""
    aggs: list[pl.Expr] = []
    for category, sign, mrr_name, count_name in (
        (NEW, 1, "new_mrr", "new_customers"),
        (EXPANSION, 1, "expansion_mrr", "expansion_customers"),
        (CONTRACTION, -1, "contraction_mrr", "contraction_customers"),
        (CHURN, -1, "churn_mrr", "churned_customers"),
        (REACTIVATION, 1, "reactivation_mrr", "reactivated_customers"),
    ):
        hit = pl.col("change_category") == pl.lit(category, dtype=CATEGORY_DTYPE)
        aggs.append(pl.when(hit).then(pl.col("_change") * sign).otherwise(0).sum().alias(mrr_name))
        aggs.append(pl.when(hit).then(pl.col("_count")).otherwise(0).sum().alias(count_name))
    return aggs


def monthly_summary(movements: pl.DataFrame, *, by: Dimension | None = None) -> pl.DataFrame:
    """Per month (and ``by`` value): MRR, active customers and the MRR bridge.

    Input: :func:`kizuna.core.revenue.movements.mrr_movements` output with the same ``by``.
    Period: every month from the first month of the book (per ``by`` value) to ``as_of``; each
    figure is a month-end snapshot (``total_mrr``, ``active_customers``: MRR > 0 on the last
    day) or a movement from the end of m−1 to the end of m.
    Columns: ``[by], date_month, total_mrr, active_customers, new_mrr, expansion_mrr,
    contraction_mrr, churn_mrr, reactivation_mrr`` (movement MRR as positive amounts),
    ``new_customers, expansion_customers, contraction_customers, churned_customers,
    reactivated_customers``, ``net_new_mrr = new + reactivation + expansion − contraction −
    churn``, ``previous_total_mrr, previous_active_customers`` (month m−1; 0 before the first
    month) and ``quick_ratio = (new + expansion + reactivation) / (churn + contraction)``,
    null when churn + contraction = 0.
    """
    groups = groups_for(by)
    return summary_from_sums(summary_sums(movements, groups), by=by)


def summary_sums(movements: pl.DataFrame, groups: list[str]) -> pl.DataFrame:
    """The additive part of :func:`monthly_summary` per ``groups`` and month: MRR, active
    customers, each movement's MRR and customers. Every column is a sum, so the sums of a
    finer grouping (e.g. segment × team) add up to those of a coarser one (segment)."""
    # one pass over the customer-months by category, then the few rows per month pivoted:
    # cheaper than ten conditional sums over millions of rows
    by_category = movements.group_by([*groups, "date_month", "change_category"]).agg(
        _change=pl.col("mrr_change").sum(),
        _count=pl.len().cast(pl.Int64),
        total_mrr=pl.col("mrr").sum(),
        active_customers=(pl.col("mrr") > 0).sum().cast(pl.Int64),
    )
    return by_category.group_by([*groups, "date_month"]).agg(
        pl.col("total_mrr", "active_customers").sum(), *_movement_aggs()
    )


def summary_from_sums(sums: pl.DataFrame, *, by: Dimension | None = None) -> pl.DataFrame:
    """:func:`monthly_summary` from :func:`summary_sums` of ``by`` or of a finer grouping."""
    groups = groups_for(by)
    summary = (
        sums.group_by([*groups, "date_month"])
        .agg(
            pl.col(
                "total_mrr", "active_customers", *MOVEMENT_MRR_COLUMNS, *MOVEMENT_COUNT_COLUMNS
            ).sum()
        )
        .sort([*groups, "date_month"], nulls_last=True)
    )
    over = groups or None
    gained = pl.col("new_mrr") + pl.col("expansion_mrr") + pl.col("reactivation_mrr")
    lost = pl.col("churn_mrr") + pl.col("contraction_mrr")
    return summary.select(
        *groups,
        "date_month",
        "total_mrr",
        "active_customers",
        *MOVEMENT_MRR_COLUMNS,
        *MOVEMENT_COUNT_COLUMNS,
        net_new_mrr=gained - lost,
        previous_total_mrr=_previous(pl.col("total_mrr"), over),
        previous_active_customers=_previous(pl.col("active_customers"), over),
        quick_ratio=ratio(gained, lost),
    )


def _previous(expr: pl.Expr, over: list[str] | None) -> pl.Expr:
    shifted = expr.shift(1, fill_value=0)
    return shifted.over(over) if over else shifted
