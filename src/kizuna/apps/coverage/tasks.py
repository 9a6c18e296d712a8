"""The coverage app's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.coverage.services import coverage_snapshots_refresh
from kizuna.core.schedule import daily


@task
def refresh_snapshots(day: str) -> str:
    """The coverage snapshots of ``day`` (ISO date), last month's end and missing month-ends."""
    days = coverage_snapshots_refresh(today=dt.date.fromisoformat(day))
    return f"coverage snapshots for {len(days)} days"


SCHEDULE = (
    daily(
        "coverage.refresh_snapshots",
        refresh_snapshots,
        # today's accounts are those with a cached MRR > 0, in their segment of the day
        after=("customers.refresh_account_mrr", "segments.expire_exceptions"),
    ),
)
