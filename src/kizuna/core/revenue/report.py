"""The whole revenue computation in one call: what the CLI and the snapshot job use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from kizuna.core.revenue.churn import churn_rates
from kizuna.core.revenue.cohorts import cohort_rows, cohort_sums, cohorts_from_sums
from kizuna.core.revenue.lines import DIMENSIONS, Dimension, groups_for, keys_for
from kizuna.core.revenue.ltv import arpa_and_ltv
from kizuna.core.revenue.movements import mrr_movements
from kizuna.core.revenue.mrr import customer_mrr
from kizuna.core.revenue.retention import book_months, window_pairs, window_sums, windows_from_sums
from kizuna.core.revenue.summary import summary_from_sums, summary_sums

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
    sums = _Sums.of(movements, keys=keys_for(by))
    return _report(movements, sums, as_of=as_of, by=by, ltv=(gross_margin, churn_months))


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
    its MRR grid and movements are the total's rows with the customer's value attached. The
    total's movements are summed once per month and combination of those values (every figure
    of the summary, the GRR/NRR windows and the cohorts is a sum or a ratio of sums), and each
    such cut, the total included, adds those few thousand rows up its own way. A dimension that
    varies within a customer (product: one customer, several products) is computed on its own,
    as ``revenue_report`` does.
    """
    total = mrr_movements(customer_mrr(lines, as_of=as_of))
    attributes, combinations, group_of = _account_attributes(lines, [c for c in cuts if c])
    if attributes:  # one small integer per combination of the attributes' values
        keyed = total.join(group_of, on="customer_id", how="left", maintain_order="left")
        shared = _Sums.of(keyed, keys=["customer_id"], carry=["_group"]).expand(combinations)
    else:
        shared = _Sums.of(total, keys=["customer_id"])
    ltv = (gross_margin, churn_months)
    reports: dict[Dimension | None, RevenueReport] = {}
    for cut in dict.fromkeys(cuts):
        if cut is None:
            reports[cut] = _report(total, shared, as_of=as_of, by=None, ltv=ltv)
        elif cut in attributes:
            values = combinations[cut].gather(keyed["_group"])
            movements = total.select(values, *total.columns)
            reports[cut] = _report(movements, shared, as_of=as_of, by=cut, ltv=ltv)
        else:
            reports[cut] = revenue_report(
                lines, as_of=as_of, by=cut, gross_margin=gross_margin, churn_months=churn_months
            )
    return reports


@dataclass(frozen=True)
class _Sums:
    """The additive part of a report per month and group: summary, windows, cohorts."""

    summary: pl.DataFrame
    windows: dict[int, pl.DataFrame]  # window months → window_sums
    cohorts: pl.DataFrame

    @classmethod
    def of(cls, movements: pl.DataFrame, *, keys: list[str], carry: Sequence[str] = ()) -> _Sums:
        """Sums over ``movements`` per ``keys`` but the customer, and per ``carry`` columns."""
        groups = [*keys[:-1], *carry]
        return cls(
            summary=summary_sums(movements, groups),
            windows={
                months: window_sums(
                    window_pairs(movements, months=months, keys=keys, carry=carry), groups
                )
                for months in WINDOWS
            },
            cohorts=cohort_sums(cohort_rows(movements, keys=keys, carry=carry), groups),
        )

    def expand(self, combinations: pl.DataFrame) -> _Sums:
        """Sums grouped by ``_group`` with the group's attribute values in its place."""

        def expand(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.join(combinations, on="_group").drop("_group")

        return _Sums(
            summary=expand(self.summary),
            windows={months: expand(frame) for months, frame in self.windows.items()},
            cohorts=expand(self.cohorts),
        )


def _report(
    movements: pl.DataFrame,
    sums: _Sums,
    *,
    as_of: dt.date,
    by: Dimension | None,
    ltv: tuple[float | None, int],
) -> RevenueReport:
    """One cut's report from its movements and the sums of that cut or of a finer grouping."""
    summary = churn_rates(summary_from_sums(sums.summary, by=by))
    groups = groups_for(by)
    book = book_months(sums.summary, groups)
    for months in WINDOWS:
        window = windows_from_sums(sums.windows[months], book, months=months, by=by).select(
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
        cohorts=cohorts_from_sums(sums.cohorts, by=by),
    )


def _account_attributes(
    lines: pl.DataFrame, dimensions: list[Dimension]
) -> tuple[list[Dimension], pl.DataFrame, pl.DataFrame]:
    """The ``dimensions`` whose value is the same on every line of each customer (null
    included), each combination of their values numbered (``_group``, 0, 1, …), and each
    customer's combination (``customer_id``, ``_group``)."""
    present = [d for d in dict.fromkeys(dimensions) if d in lines.columns]
    per_customer = lines.group_by("customer_id").agg(
        *[pl.col(d).first() for d in present],
        *[pl.col(d).n_unique().alias(f"_n_{d}") for d in present],
    )
    attributes = [d for d in present if (per_customer[f"_n_{d}"].max() or 1) == 1]
    if not attributes:
        return [], pl.DataFrame(), pl.DataFrame()
    values = per_customer.select("customer_id", *attributes)
    combinations = (
        values.select(attributes)
        .unique()
        .with_row_index("_group")
        .with_columns(pl.col(attributes).cast(pl.Categorical))
    )
    group_of = values.join(
        combinations.with_columns(pl.col(attributes).cast(pl.String)),
        on=attributes,
        nulls_equal=True,
    ).select("customer_id", "_group")
    return attributes, combinations, group_of
