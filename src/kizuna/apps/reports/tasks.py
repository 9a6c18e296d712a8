"""The monthly report's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``): on the first
business day of a month it e-mails the previous month's report (docs/monthly-report.md)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.reports.services import monthly_report_send
from kizuna.core.schedule import daily


@task
def monthly_report(day: str) -> str:
    """E-mail last month's report when ``day`` (ISO) is the month's first business day."""
    return monthly_report_send(day=dt.date.fromisoformat(day))


SCHEDULE = (
    daily(
        "reports.monthly_report",
        monthly_report,
        # the report reads the month's revenue snapshots, health scores, renewals and KPI
        # snapshots: after the day's refreshes, so that a month closed yesterday is in them
        after=(
            "revenue.refresh_snapshots",
            "health.refresh_scores",
            "renewals.refresh",
            "kpis.refresh_snapshots",
            "diagnosis.diagnose",
        ),
    ),
)
