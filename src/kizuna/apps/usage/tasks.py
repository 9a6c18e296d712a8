"""The usage app's periodic jobs (``SCHEDULE``, run by ``kizuna.apps.jobs``): the days API
batches queued are rolled up every minute; the summaries are refreshed every day."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.usage.models import UsageDropSignal, UsagePendingDay
from kizuna.apps.usage.selectors import usage_failed_days
from kizuna.apps.usage.services.ingestion import usage_rollup_pending
from kizuna.apps.usage.services.rollups import usage_summaries_refresh
from kizuna.apps.usage.services.upkeep import usage_abandoned_files_sweep
from kizuna.core.schedule import daily, every_minute


@task
def refresh_summaries(day: str) -> str:
    """Recompute every account's 28-day usage summary and drop signals as of ``day`` (ISO date).

    Queued days are rolled up first; a day whose rollup fails is left queued as failed (the
    ops page shows it) and named in the report, and the summaries are computed all the same.
    Files that interrupted attempts left more than a day ago (batches without a run, never
    counted) are removed."""
    as_of = dt.date.fromisoformat(day)
    usage_rollup_pending()  # the summaries read UsageDay: bring it up to date first
    count = usage_summaries_refresh(as_of=as_of)
    drops = UsageDropSignal.objects.filter(as_of=as_of).count()
    report = f"usage summaries for {count} accounts, {drops} drop signals"
    removed = usage_abandoned_files_sweep()
    if removed:
        report += f"; {removed} files of interrupted imports removed"
    failed = usage_failed_days()
    if failed:
        report += f"; rollup failed for {len(failed)} days: " + ", ".join(
            str(row.day) for row in failed[:5]
        )
    return report


@task
def rollup_pending(day: str) -> str:
    """Roll up the days API batches queued (``day``: the business day it runs on, unused).
    The report is empty when no day was rolled up; a day that fails stays queued as failed."""
    rolled = usage_rollup_pending()
    return f"{rolled} days rolled up" if rolled else ""


def has_days_to_roll_up() -> bool:
    return UsagePendingDay.objects.filter(failed_at__isnull=True).exists()


SCHEDULE = (
    daily("usage.refresh_summaries", refresh_summaries),
    every_minute("usage.rollup_pending", rollup_pending, when=has_days_to_roll_up),
)
