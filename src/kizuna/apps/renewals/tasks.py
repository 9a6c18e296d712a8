"""The renewals app's periodic job (``SCHEDULE``, run by ``kizuna.apps.jobs``):
``renewals.refresh``, every day after the accounts' MRR and the health scores (the forecast
reads the grades): the renewals brought up to the day (``renewals_refresh_daily``: the accounts
whose renewals the day changes, every account once a week), with the outcome of those whose
date has come."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.renewals.services import renewals_refresh_daily
from kizuna.core.schedule import daily


@task
def refresh(day: str) -> str:
    run, result = renewals_refresh_daily(today=dt.date.fromisoformat(day))
    scope = "every account" if run.full else f"{run.accounts} account(s) the day changes"
    return (
        f"{scope}: {result.created} renewal(s) created, {result.updated} updated, "
        f"{result.deleted} deleted, {result.no_longer_due} no longer due"
    )


SCHEDULE = (
    daily(
        "renewals.refresh",
        refresh,
        after=("customers.refresh_account_mrr", "health.refresh_scores"),
    ),
)
