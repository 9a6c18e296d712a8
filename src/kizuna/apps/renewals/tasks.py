"""The renewals app's periodic job (``SCHEDULE``, run by ``kizuna.apps.jobs``):
``renewals.refresh``, every day after the accounts' MRR and the health scores (the forecast
reads the grades): every renewal derived again from the subscription lines, with the outcome
of those whose date has come."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.renewals.services import renewals_refresh
from kizuna.core.schedule import daily


@task
def refresh(day: str) -> str:
    result = renewals_refresh(today=dt.date.fromisoformat(day))
    return (
        f"{result.created} renewal(s) created, {result.updated} updated, "
        f"{result.deleted} deleted, {result.no_longer_due} no longer due"
    )


SCHEDULE = (
    daily(
        "renewals.refresh",
        refresh,
        after=("customers.refresh_account_mrr", "health.refresh_scores"),
    ),
)
