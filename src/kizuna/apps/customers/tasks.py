"""The customers app's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.customers.services import account_refresh_mrr
from kizuna.core.schedule import daily


@task
def refresh_account_mrr(day: str) -> str:
    """Bring every account's cached MRR in step with the lines active on ``day`` (ISO date)."""
    changed = account_refresh_mrr(account_ids=None, on=dt.date.fromisoformat(day))
    return f"{changed} accounts changed MRR"


SCHEDULE = (daily("customers.refresh_account_mrr", refresh_account_mrr),)
