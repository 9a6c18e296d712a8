"""The revenue app's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.revenue.services import revenue_snapshots_refresh
from kizuna.core.schedule import daily


@task
def refresh_snapshots(day: str) -> str:
    """Bring the monthly revenue snapshots up to ``day``'s month (ISO date)."""
    return revenue_snapshots_refresh(as_of=dt.date.fromisoformat(day)).message


SCHEDULE = (
    daily(
        "revenue.refresh_snapshots",
        refresh_snapshots,
        # the segment cut reads each account's current segment
        after=("segments.expire_exceptions",),
    ),
)
