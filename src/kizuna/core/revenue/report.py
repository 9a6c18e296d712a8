"""The whole revenue computation in one call: what the CLI and the snapshot job use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from kizuna.core.revenue.churn import churn_rates
from kizuna.core.revenue.cohorts import cohort_rows, cohorts_from_rows
from kizuna.core.revenue.lines import DIMENSIONS, Dimension, groups_for, keys_for
from kizuna.core.revenue.ltv import arpa_and_ltv
from kizuna.core.revenue.movements import mrr_movements
from kizuna.core.revenue.mrr import customer_mrr
from kizuna.core.revenue.retention import book_months, window_pairs, windows_from_pairs
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
    keys = keys_for(by)
    shared = _Shared(
        pairs={m: window_pairs(movements, months=m, keys=keys) for m in WINDOWS},
        cohort_rows=cohort_rows(movements, keys=keys),
    )
    return _report(movements, shared, as_of=as_of, by=by, ltv=(gross_margin, churn_months))


def revenue_reports(
    lines: pl.DataFrame,
    *,
    as_of: dt.date,
    cuts: Sequence[Dimension | None] = (None, *DIMENSIONS),
    gross_margin: float | None = None,
    churn_months: int = 6,
) -> dict[Dimension | None, RevenueReport]:
    """:func:`revenue_report` for each of ``cuts`` (None = the whole book), computed together.

    Each report equals ``revenue_report(lines, as_of=as_of, by=cut, …)`` (tests compare them
    frame by frame), with one difference: the movements of an account-level cut keep the
    total's row order (customer, then month) instead of being sorted by the cut's value first.

    How the work is shared: a dimension whose value is the same on every line of each customer
    (segment, channel and team are attributes of the account) splits the book by customer, so
    its MRR grid and movements are the total's rows with the customer's value attached, and
    every per-customer step (window pairs, cohort rows) is done once for the total and all such
    cuts; only the final group-by differs. A dimension that varies within a customer (product:
    one customer, several products) is computed on its own, as ``revenue_report`` does.
    """
    total = mrr_movements(customer_mrr(lines, as_of=as_of))
    attributes = [cut for cut in dict.fromkeys(cuts) if cut and _per_customer(lines, cut)]
    wide = _with_attributes(total, lines, attributes)
    shared = _Shared(
        pairs={
            m: window_pairs(wide, months=m, keys=["customer_id"], carry=attributes) for m in WINDOWS
        },
        cohort_rows=cohort_rows(wide, keys=["customer_id"], carry=attributes),
    )
    ltv = (gross_margin, churn_months)
    reports: dict[Dimension | None, RevenueReport] = {}
    for cut in dict.fromkeys(cuts):
        if cut is None:
            reports[cut] = _report(total, shared, as_of=as_of, by=None, ltv=ltv)
        elif cut in attributes:
            movements = wide.select(cut, *total.columns)
            reports[cut] = _report(movements, shared, as_of=as_of, by=cut, ltv=ltv)
        else:
            reports[cut] = revenue_report(
                lines, as_of=as_of, by=cut, gross_margin=gross_margin, churn_months=churn_months
            )
    return reports


@dataclass(frozen=True)
class _Shared:
    """The per-customer steps of a report, possibly carrying more cuts' columns."""

    pairs: dict[int, pl.DataFrame]  # window months → window_pairs
    cohort_rows: pl.DataFrame


def _report(
    movements: pl.DataFrame,
    shared: _Shared,
    *,
    as_of: dt.date,
    by: Dimension | None,
    ltv: tuple[float | None, int],
) -> RevenueReport:
    """The summary, windows and cohorts of one cut from its movements and the shared steps."""
    summary = churn_rates(monthly_summary(movements, by=by))
    groups = groups_for(by)
    book = book_months(movements, groups)
    for months in WINDOWS:
        window = windows_from_pairs(shared.pairs[months], book, months=months, by=by).select(
            *groups,
            "date_month",
            pl.col("grr").alias(f"grr_{months}m"),
            pl.col("nrr").alias(f"nrr_{months}m"),
        )
        summary = summary.join(window, on=[*groups, "date_month"], how="left", nulls_equal=True)
    gross_margin, churn_months = ltv
    summary = arpa_and_ltv(summary, by=by, gross_margin=gross_margin, churn_months=churn_months)
    return RevenueReport(
        as_of=as_of.replace(day=1),
        by=by,
        movements=movements,
        summary=summary,
        cohorts=cohorts_from_rows(shared.cohort_rows, by=by),
    )


def _per_customer(lines: pl.DataFrame, dimension: Dimension) -> bool:
    """True when every customer's lines share one value of ``dimension`` (null included)."""
    if dimension not in lines.columns:
        return False
    spread = lines.group_by("customer_id").agg(pl.col(dimension).n_unique().alias("n"))
    return bool(spread.is_empty() or spread["n"].max() == 1)


def _with_attributes(
    movements: pl.DataFrame, lines: pl.DataFrame, attributes: list[Dimension]
) -> pl.DataFrame:
    """The movements with each customer's value of every attribute attached (row order kept)."""
    if not attributes:
        return movements
    values = lines.group_by("customer_id").agg(
        *[pl.col(a).first().cast(pl.Categorical) for a in attributes]
    )
    return movements.join(values, on="customer_id", how="left", maintain_order="left")
