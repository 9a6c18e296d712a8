"""The expansion app's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``): attribute the
accounts' expansion MRR to their CSQLs and derive the states the job closes (won on
expansion, lost when the window passed without any). docs/renewals.md, "CSQLs"."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.expansion.services import csqls_refresh
from kizuna.core.schedule import daily


@task
def refresh_csqls(day: str) -> str:
    """Attribute expansion to the CSQLs as of ``day`` (ISO); the report says how many changed."""
    changed = csqls_refresh(today=dt.date.fromisoformat(day))
    return f"{changed} CSQL(s) changed"


# after the account MRR refresh: the same day's lines
SCHEDULE = (
    daily("expansion.refresh_csqls", refresh_csqls, after=("customers.refresh_account_mrr",)),
)
