"""The churn reasons' daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``): a line whose end
day has come is a churn event today, listed as "reason missing" (docs/churn-reasons.md)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.churnreasons.detection import churn_events_refresh
from kizuna.core.schedule import daily


@task
def refresh_churn_events(day: str) -> str:
    """Find the churn events up to ``day`` (ISO); the report says how many rows changed."""
    changed = churn_events_refresh(today=dt.date.fromisoformat(day))
    return f"{changed} churn event(s) changed"


# after the account MRR refresh: the same day's lines
SCHEDULE = (
    daily(
        "churnreasons.refresh_churn_events",
        refresh_churn_events,
        after=("customers.refresh_account_mrr",),
    ),
)
