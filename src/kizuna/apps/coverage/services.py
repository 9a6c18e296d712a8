"""Filling coverage snapshots: idempotent per day, resumable one month-end at a time."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from kizuna.apps.coverage.frames import (
    accounts_at,
    ownership_history,
    touch_window_start,
    touches_between,
)
from kizuna.apps.coverage.models import CoverageSnapshot, Scope
from kizuna.apps.segments.frames import coverage_policies
from kizuna.core.calendar import month_ends, month_start_before
from kizuna.core.coverage import (
    CoverageReport,
    TouchIndex,
    coverage_rates,
    index_touches,
)
from kizuna.core.ownership import OwnershipHistory

log = logging.getLogger("kizuna.coverage")

#: months of monthly trend the dashboard shows
TREND_MONTHS = 24


@transaction.atomic
def _store(report: CoverageReport) -> int:
    CoverageSnapshot.objects.filter(as_of=report.as_of).delete()
    rows = [
        CoverageSnapshot(
            as_of=report.as_of,
            scope=scope,
            segment=row.segment,
            team_id=row.team_id,
            csm_id=row.owner_id,
            covered=row.covered,
            total=row.total,
            rate=row.rate,
            target=row.target,
        )
        for scope, rows in (
            (Scope.SEGMENT, report.by_segment),
            (Scope.TEAM, report.by_team),
            (Scope.CSM, report.by_csm),
        )
        for row in rows
        if row.total > 0  # a segment without accounts has no rate to show
    ]
    CoverageSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def coverage_snapshot_fill(
    *,
    day: dt.date,
    touches: TouchIndex | None = None,
    history: OwnershipHistory | None = None,
) -> int:
    """Compute and store coverage as of ``day`` (replacing that day's rows). Returns rows.

    Each account counts for the CSM and team that held it at the end of ``day`` (the
    assignment changes replayed, ``core.ownership``). ``touches`` may be an index covering the
    window of ``day`` and ``history`` the changes made after it (to share one read of each
    between several days)."""
    if touches is None:
        touches = index_touches(touches_between(touch_window_start(day), day))
    accounts = accounts_at(day, history=history)
    report = coverage_rates(accounts, touches, coverage_policies(), as_of=day)
    return _store(report)


def coverage_snapshots_refresh(*, today: dt.date, months: int = TREND_MONTHS) -> list[dt.date]:
    """Today's snapshot, last month's end (touchpoints are often logged late) and every missing
    month-end of the trend window. Re-running on the same day recomputes the same rows."""
    ends = [end for end in month_ends(month_start_before(today, months), today) if end < today]
    done = set(
        CoverageSnapshot.objects.filter(as_of__in=ends).values_list("as_of", flat=True).distinct()
    )
    recent = ends[-1:] if ends else []
    todo = [end for end in ends if end not in done or end in recent] + [today]
    touches = index_touches(touches_between(touch_window_start(todo[0]), today))
    history = ownership_history(since=todo[0], today=today)
    for day in todo:
        count = coverage_snapshot_fill(day=day, touches=touches, history=history)
        log.info("coverage snapshot %s: %d rows", day, count)
    return todo
