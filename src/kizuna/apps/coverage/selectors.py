"""Reads for the coverage dashboard (snapshots only) and the live worklists (a bounded set
of accounts: one CSM's book, or one drill-down)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet

from kizuna.apps.coverage.inputs import (
    accounts_today,
    core_policies,
    touch_window_start,
    touches_between,
)
from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.customers.models import Account
from kizuna.core.coverage import CoverageDue, coverage_due

SEGMENT_ORDER = ["high", "low", "tech", "community"]


def latest_snapshot_day() -> dt.date | None:
    day: dt.date | None = CoverageSnapshot.objects.aggregate(day=Max("as_of"))["day"]
    return day


def snapshot_rows(*, day: dt.date) -> dict[str, list[CoverageSnapshot]]:
    """The day's rows split into company-wide per segment, per team and per CSM."""
    rows = CoverageSnapshot.objects.filter(as_of=day).select_related("team", "csm")
    result: dict[str, list[CoverageSnapshot]] = {"segment": [], "team": [], "csm": []}
    for row in rows:
        result[row.scope].append(row)
    order = {segment: index for index, segment in enumerate(SEGMENT_ORDER)}
    for items in result.values():
        items.sort(
            key=lambda r: (
                order.get(r.segment, 9),
                r.rate if r.rate is not None else 2,
                str(r.team or r.csm or ""),
            )
        )
    return result


@dataclass(frozen=True)
class TrendLine:
    segment: str
    points: str  # SVG polyline points
    target_y: float
    last_rate: float | None
    labels: list[tuple[float, str]]


def trend_lines(*, width: int = 640, height: int = 160) -> list[TrendLine]:
    """Per segment, the company-wide coverage rate over the snapshot days, as SVG geometry."""
    rows = CoverageSnapshot.objects.filter(scope="segment").order_by("as_of")
    days = sorted({row.as_of for row in rows})
    if not days:
        return []
    step = width / max(len(days) - 1, 1)
    x_of = {day: round(index * step, 1) for index, day in enumerate(days)}
    lines = []
    by_segment: dict[str, list[CoverageSnapshot]] = {}
    for row in rows:
        by_segment.setdefault(row.segment, []).append(row)
    for segment in [s for s in SEGMENT_ORDER if s in by_segment]:
        items = by_segment[segment]
        points = " ".join(
            f"{x_of[r.as_of]},{round(height - (r.rate or 0) * height, 1)}"
            for r in items
            if r.rate is not None
        )
        labels = [
            (x_of[d], f"{d:%Y-%m}") for i, d in enumerate(days) if i % 6 == 0 or i == len(days) - 1
        ]
        lines.append(
            TrendLine(
                segment=segment,
                points=points,
                target_y=round(height - items[-1].target * height, 1),
                last_rate=items[-1].rate,
                labels=labels,
            )
        )
    return lines


def due_list(*, accounts: QuerySet[Account], today: dt.date) -> list[tuple[CoverageDue, Account]]:
    """``coverage_due`` for a bounded set of accounts (a CSM's book, a drill-down), joined
    back to the account rows for display."""
    by_id = {a.pk: a for a in accounts.select_related("owner", "team")}
    inputs = accounts_today(by_id.values())
    touches = touches_between(touch_window_start(today), today, account_ids=list(by_id))
    return [
        (due, by_id[due.account_id])
        for due in coverage_due(inputs, touches, core_policies(), as_of=today)
    ]


def worklist_summary(rows: list[tuple[CoverageDue, Account]]) -> dict[str, Any]:
    return {
        "total": len(rows),
        "uncovered": sum(1 for due, _a in rows if not due.covered),
        "due_in_7_days": sum(1 for due, _a in rows if due.covered and (due.days_left or 0) <= 7),
    }
