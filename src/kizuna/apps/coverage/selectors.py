"""Reads for the coverage dashboard (snapshots only) and the live worklists (a bounded set
of accounts: one CSM's book, or one drill-down)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Max, OuterRef, QuerySet

from kizuna.apps.coverage.inputs import (
    accounts_today,
    core_policies,
)
from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.customers.models import Account
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.apps.touchpoints.selectors import last_touches
from kizuna.core.coverage import CoverageDue, CoveragePolicy, coverage_due, shift_months

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
    back to the account rows for display. The touches are each account's last touch
    (``last_touches``, the account header's too), all the core needs for the worklist."""
    by_id = {a.pk: a for a in accounts.select_related("owner", "team")}
    inputs = accounts_today(by_id.values())
    touches = list(last_touches(accounts=by_id.values(), today=today).values())
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


def policy_for(segment: str) -> CoveragePolicy | None:
    return next((p for p in core_policies() if p.segment == segment), None)


def uncovered_accounts(
    *, accounts: QuerySet[Account], segment: str, today: dt.date
) -> QuerySet[Account]:
    """The accounts of ``segment`` among ``accounts``, active today (MRR > 0), with no
    qualifying touchpoint whose local day t satisfies today − P < t ≤ today.

    The same rule as ``kizuna.core.coverage`` (a test checks both agree), written as one SQL
    query so that a drill-down into 60,000 tech-touch accounts pages in the database: the
    local-day window becomes [local midnight of today − P + 1 day, local midnight of
    tomorrow) in the company's time zone."""
    policy = policy_for(segment)
    if policy is None:
        return accounts.none()
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    first_day = shift_months(today, -policy.period_months) + dt.timedelta(days=1)
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    touched = Touchpoint.objects.filter(
        account=OuterRef("pk"),
        kind__in=sorted(policy.qualifying_kinds),
        occurred_at__gte=start,
        occurred_at__lt=end,
    )
    return (
        accounts.filter(segment=segment, mrr__gt=0)
        .exclude(Exists(touched))
        .select_related("owner")
        .order_by("-mrr", "id")
    )


def last_qualifying_touch(*, account_ids: list[int], segment: str) -> dict[int, dt.datetime]:
    """The latest touchpoint of a kind that counts for ``segment``, per account."""
    policy = policy_for(segment)
    kinds = sorted(policy.qualifying_kinds) if policy else []
    rows = (
        Touchpoint.objects.filter(account_id__in=account_ids, kind__in=kinds)
        .values("account_id")
        .annotate(last=Max("occurred_at"))
        .values_list("account_id", "last")
    )
    return dict(rows)
