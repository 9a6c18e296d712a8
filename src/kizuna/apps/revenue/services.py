"""Writes of the revenue app: the monthly snapshot job and the retention targets.

``revenue_snapshots_refresh`` is idempotent and resumable, one month at a time:

1. **What changed since the last run.** Lines and accounts whose ``updated_at`` is after the
   state row's ``lines_read_at`` are "changed" (the customers services save them on every edit):
   the months from the earliest ``start_date`` of a changed line — or of any line of a changed
   account, whose segment, channel or team may have moved — are dirty (a line's new start
   date: an edit that moves a start later is caught by step 3). A drop in the number of
   lines means lines were deleted. Nothing changed, every month up to ``as_of`` written: the run
   stops there without computing or writing anything.
2. **Compute.** The core (``kizuna.core.revenue.revenue_reports``) computes every cut in one
   call — the whole company, then by segment, product, channel and team — over the full
   history; the account-level cuts (segment, channel, team) reuse the company's movements.
3. **Safety net.** The stored summaries of the months before the dirty month are compared with
   the fresh ones; the first month that differs (a line whose start moved later, a deleted line,
   a renamed team code — changes ``updated_at`` cannot date) becomes dirty too.
4. **Write** each month from the dirty month (or the month after ``last_month_done``) to
   ``as_of`` in its own transaction: delete that month's rows of every cut and insert the fresh
   ones, then advance the state row. A crash leaves the earlier months done and the state row
   says where to continue.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.org.models import User
from kizuna.apps.revenue.frames import revenue_lines
from kizuna.apps.revenue.models import (
    CohortSnapshot,
    RevenueSnapshot,
    RevenueSnapshotState,
    RevenueTarget,
)
from kizuna.core.calendar import month_start_after
from kizuna.core.revenue import Dimension, RevenueReport, revenue_reports
from kizuna.core.revenue.report import SUMMARY_COLUMNS, SUMMARY_DETAIL_COLUMNS

log = logging.getLogger("kizuna.revenue")

#: The cuts written each month: the whole company (None), then one per dimension.
CUTS: tuple[Dimension | None, ...] = (None, "segment", "product", "channel", "team")
Reports = dict[Dimension | None, RevenueReport]

#: the snapshot fields named apart from their core column: the month's start figures
START_FIELDS = {"previous_total_mrr": "start_mrr", "previous_active_customers": "start_customers"}
#: Snapshot field ← core summary column (money and counts as integers, rates as floats).
SUMMARY_FIELDS: dict[str, str] = {
    START_FIELDS.get(column, column): column
    for column in (*SUMMARY_COLUMNS, *SUMMARY_DETAIL_COLUMNS)
}
ROUNDED = ("arpa", "ltv")  # averages of money, stored rounded to the nearest minor unit
COHORT_FIELDS = (
    "cohort_customers",
    "active_customers",
    "cohort_start_mrr",
    "mrr",
    "logo_retention",
    "revenue_retention",
    "gross_revenue_retention",
)

Key = tuple[dt.date, str, str]  # (month, dimension, value)


@dataclass(frozen=True)
class RefreshResult:
    computed: bool
    months_written: tuple[dt.date, ...]

    @property
    def message(self) -> str:
        if not self.months_written:
            return "revenue snapshots up to date"
        first, last = self.months_written[0], self.months_written[-1]
        return f"{len(self.months_written)} months written ({first:%Y-%m}..{last:%Y-%m})"


def _earliest(*months: dt.date | None) -> dt.date | None:
    present = [month for month in months if month is not None]
    return min(present) if present else None


def _state() -> RevenueSnapshotState:
    state, _created = RevenueSnapshotState.objects.get_or_create(pk=1)
    return state


def _changes_since(state: RevenueSnapshotState) -> tuple[dt.date | None, bool]:
    """(earliest dirty month from edited lines/accounts, whether lines were deleted)."""
    since = state.lines_read_at
    if since is None:
        return None, False
    changed = Q(updated_at__gt=since) | Q(account__updated_at__gt=since)
    earliest = SubscriptionLine.objects.filter(changed).aggregate(first=Min("start_date"))["first"]
    still_there = SubscriptionLine.objects.filter(created_at__lte=since).count()
    return (earliest.replace(day=1) if earliest else None), still_there < state.line_count


def _cut_rows(frame: pl.DataFrame, cut: Dimension | None, month_column: str) -> pl.DataFrame:
    """The frame with ``dimension``/``value`` columns ("" for the company and for nulls)."""
    value = pl.col(cut).cast(pl.String).fill_null("") if cut else pl.lit("")
    return frame.with_columns(dimension=pl.lit(cut or ""), value=value, month=month_column)


def _summary_rows(reports: Reports) -> dict[Key, dict[str, Any]]:
    rows: dict[Key, dict[str, Any]] = {}
    for cut, report in reports.items():
        frame = _cut_rows(report.summary, cut, "date_month")
        for row in frame.iter_rows(named=True):
            fields = {field: row[column] for field, column in SUMMARY_FIELDS.items()}
            for field in ROUNDED:
                fields[field] = None if fields[field] is None else round(fields[field])
            rows[(row["month"], row["dimension"], row["value"])] = fields
    return rows


def _cohort_rows(reports: Reports) -> dict[dt.date, list[CohortSnapshot]]:
    by_month: dict[dt.date, list[CohortSnapshot]] = defaultdict(list)
    for cut, report in reports.items():
        frame = _cut_rows(report.cohorts, cut, "date_month")
        for row in frame.iter_rows(named=True):
            by_month[row["month"]].append(
                CohortSnapshot(
                    cohort_month=row["cohort_month"],
                    months_since_start=row["months_since_start"],
                    month=row["month"],
                    dimension=row["dimension"],
                    value=row["value"],
                    **{field: row[field] for field in COHORT_FIELDS},
                )
            )
    return by_month


def _first_stale_month(computed: dict[Key, dict[str, Any]], before: dt.date) -> dt.date | None:
    """The earliest month before ``before`` whose stored summaries differ from ``computed``."""
    names = list(SUMMARY_FIELDS)
    stored = {
        (month, dimension, value): dict(zip(names, rest, strict=True))
        for month, dimension, value, *rest in RevenueSnapshot.objects.filter(
            month__lt=before
        ).values_list("month", "dimension", "value", *names)
    }
    fresh = {key: fields for key, fields in computed.items() if key[0] < before}
    differing = [
        key[0] for key in stored.keys() | fresh.keys() if stored.get(key) != fresh.get(key)
    ]
    return min(differing, default=None)


@transaction.atomic
def _write_month(
    month: dt.date,
    summaries: list[RevenueSnapshot],
    cohorts: list[CohortSnapshot],
    state: RevenueSnapshotState,
) -> None:
    """Replace every cut's rows of ``month`` and advance the state row, all or nothing."""
    RevenueSnapshot.objects.filter(month=month).delete()
    RevenueSnapshot.objects.bulk_create(summaries)
    CohortSnapshot.objects.filter(month=month).delete()
    CohortSnapshot.objects.bulk_create(cohorts, batch_size=2_000)
    done = state.last_month_done
    state.last_month_done = month if done is None or month > done else done
    following = month_start_after(month, 1)
    state.dirty_from = following if done is not None and following <= done else None
    state.save(update_fields=["last_month_done", "dirty_from"])


def revenue_snapshots_refresh(
    *, as_of: dt.date, from_month: dt.date | None = None
) -> RefreshResult:
    """Bring the revenue snapshots up to the month of ``as_of`` (see the module docstring).

    ``from_month`` forces every month from it on to be written again. Returns which months
    were written; a second run with nothing changed computes and writes nothing.
    """
    last = as_of.replace(day=1)
    state = _state()
    read_at = timezone.now()
    changed_from, deleted = _changes_since(state)
    dirty = _earliest(state.dirty_from, changed_from, from_month and from_month.replace(day=1))
    done = state.last_month_done
    if done is not None and done >= last and dirty is None and not deleted:
        return RefreshResult(computed=False, months_written=())

    lines = revenue_lines()
    reports = revenue_reports(lines, as_of=last, cuts=CUTS)
    computed = _summary_rows(reports)
    first_month = min((key[0] for key in computed), default=None)
    resume = month_start_after(done, 1) if done is not None else first_month
    start = _earliest(dirty, resume)
    if start is None:  # no data and nothing written yet
        return RefreshResult(computed=True, months_written=())
    start = _earliest(start, _first_stale_month(computed, start))
    assert start is not None

    state.lines_read_at, state.line_count = read_at, lines.height
    state.dirty_from = start if done is not None and start <= done else None
    state.save(update_fields=["lines_read_at", "line_count", "dirty_from"])

    summaries: dict[dt.date, list[RevenueSnapshot]] = defaultdict(list)
    for (month, dimension, value), fields in computed.items():
        summaries[month].append(
            RevenueSnapshot(month=month, dimension=dimension, value=value, **fields)
        )
    cohorts = _cohort_rows(reports)
    written = []
    month = start
    while month <= last:
        _write_month(month, summaries.get(month, []), cohorts.get(month, []), state)
        written.append(month)
        month = month_start_after(month, 1)
    result = RefreshResult(computed=True, months_written=tuple(written))
    RevenueSnapshotState.objects.filter(pk=state.pk).update(
        last_finished_at=timezone.now(), last_message=result.message
    )
    log.info("revenue snapshots as of %s: %s", last, result.message)
    return result


def revenue_target_save(
    *,
    actor: User,
    segment: str,
    logo_churn_rate: float | None,
    grr_12m: float | None,
    nrr_12m: float | None,
) -> RevenueTarget:
    """Create or replace the targets of ``segment`` ("" = company). Callers check permissions.

    Rates are fractions; raises ``ValidationError`` (nothing saved) outside 0–1 (NRR: 0–3).
    """
    target = RevenueTarget.objects.filter(segment=segment).first() or RevenueTarget(segment=segment)
    target.logo_churn_rate, target.grr_12m, target.nrr_12m = logo_churn_rate, grr_12m, nrr_12m
    target.updated_by = actor
    _check_target(target)
    with transaction.atomic():
        target.save()
    return target


def _check_target(target: RevenueTarget) -> None:
    errors: dict[str, str] = {}
    limits = {"logo_churn_rate": 1.0, "grr_12m": 1.0, "nrr_12m": 3.0}
    for field, high in limits.items():
        value = getattr(target, field)
        if value is not None and not 0 <= value <= high:
            errors[field] = _("Enter a percentage between 0 and {high}.").format(
                high=f"{high * 100:.0f}"
            )
    if errors:
        raise ValidationError(errors)
