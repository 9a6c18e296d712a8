"""The KPI app's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``): the KPI snapshots the
KPI home reads, after every job whose figures they copy."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.kpis.services import kpi_snapshots_refresh
from kizuna.core.schedule import daily


@task
def refresh_snapshots(day: str) -> str:
    """Recompute the KPI snapshots as of ``day`` (ISO date)."""
    return kpi_snapshots_refresh(today=dt.date.fromisoformat(day)).message


SCHEDULE = (
    daily(
        "kpis.refresh_snapshots",
        refresh_snapshots,
        after=(
            "revenue.refresh_snapshots",
            "coverage.refresh_snapshots",
            "onboarding.evaluate",
            "renewals.refresh",
            "expansion.refresh_csqls",
        ),
    ),
)
