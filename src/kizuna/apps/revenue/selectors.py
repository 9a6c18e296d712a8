"""Reads of the revenue app: snapshot rows for the dashboard, the API and the CSV downloads,
and one account's own MRR movements for the account page.

The dashboard and the API read ONLY the snapshot tables (filled by the daily job); nothing
here recomputes the company's history per request. ``account_mrr_movements`` is the one
exception: it runs the core on a single account's lines, which is cheap.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl
from django.db.models import Max

from kizuna.apps.revenue.frames import lines_frame_from_rows, revenue_lines
from kizuna.apps.revenue.models import (
    CohortSnapshot,
    RevenueSnapshot,
    RevenueSnapshotState,
    RevenueTarget,
)
from kizuna.core.revenue import customer_mrr, mrr_movements

if TYPE_CHECKING:
    from kizuna.apps.customers.models import Account, SubscriptionLine


@dataclass(frozen=True, kw_only=True)
class Cut:
    """Which book a page shows: the whole company (``dimension=""``) or one dimension value."""

    dimension: str = ""
    value: str = ""


def revenue_last_month() -> dt.date | None:
    """The latest month with a company-wide snapshot (None before the first job run)."""
    found = RevenueSnapshot.objects.filter(dimension="", value="").aggregate(last=Max("month"))
    last: dt.date | None = found["last"]
    return last


def revenue_summary_rows(
    *, cut: Cut, first: dt.date | None = None, last: dt.date | None = None
) -> list[RevenueSnapshot]:
    """The cut's monthly snapshot rows from ``first`` to ``last`` (both inclusive), by month."""
    rows = RevenueSnapshot.objects.filter(dimension=cut.dimension, value=cut.value)
    if first is not None:
        rows = rows.filter(month__gte=first)
    if last is not None:
        rows = rows.filter(month__lte=last)
    return list(rows.order_by("month"))


def revenue_segment_rows(*, first: dt.date, last: dt.date) -> dict[str, list[RevenueSnapshot]]:
    """Per segment: its monthly snapshot rows from ``first`` to ``last``, by month."""
    rows = RevenueSnapshot.objects.filter(
        dimension="segment", month__gte=first, month__lte=last
    ).order_by("value", "month")
    by_segment: dict[str, list[RevenueSnapshot]] = defaultdict(list)
    for row in rows:
        by_segment[row.value].append(row)
    return dict(by_segment)


def revenue_targets() -> dict[str, RevenueTarget]:
    """Every target row by segment ("" = the whole company)."""
    return {target.segment: target for target in RevenueTarget.objects.all()}


def revenue_cohort_rows(*, cut: Cut, first_cohort: dt.date) -> list[CohortSnapshot]:
    """The cut's cohort cells of the cohorts starting in or after ``first_cohort``."""
    return list(
        CohortSnapshot.objects.filter(
            dimension=cut.dimension, value=cut.value, cohort_month__gte=first_cohort
        ).order_by("cohort_month", "months_since_start")
    )


@dataclass(frozen=True)
class AccountMovement:
    month: dt.date
    category: str  # new, expansion, contraction, churn, reactivation
    previous_mrr: int
    mrr: int
    change: int


def _account_frame(account: Account, lines: Iterable[SubscriptionLine] | None) -> pl.DataFrame:
    if lines is None:
        return revenue_lines(account_ids=[account.pk])
    rows = [
        (line.pk, account.pk, line.start_date, line.end_date, line.mrr, None, None, None, None)
        for line in lines
    ]
    return lines_frame_from_rows(rows)


def account_mrr_movements(
    *,
    account: Account,
    as_of: dt.date,
    lines: Iterable[SubscriptionLine] | None = None,
    limit: int = 24,
) -> list[AccountMovement]:
    """The account's own MRR movements up to the month of ``as_of``, latest first.

    Computed by the core on this one account's lines (definitions in ``docs/metrics.md``):
    only months with a movement (new, expansion, contraction, churn, reactivation) are listed,
    at most ``limit``. Pass ``lines`` (already loaded) to save the query.
    """
    frame = _account_frame(account, lines)
    movements = mrr_movements(customer_mrr(frame, as_of=as_of)).filter(
        pl.col("change_category").is_not_null() & (pl.col("change_category") != pl.lit("unchanged"))
    )
    rows = movements.sort("date_month", descending=True).head(limit).iter_rows(named=True)
    return [
        AccountMovement(
            month=row["date_month"],
            category=str(row["change_category"]),
            previous_mrr=row["previous_month_mrr"],
            mrr=row["mrr"],
            change=row["mrr_change"],
        )
        for row in rows
    ]


def snapshots_computed_at() -> dt.datetime | None:
    """When the snapshot job last finished (the dashboard's "as of")."""
    at: dt.datetime | None = (
        RevenueSnapshotState.objects.filter(pk=1).values_list("last_finished_at", flat=True).first()
    )
    return at
