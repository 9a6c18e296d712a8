"""The daily usage job."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.usage.models import UsageDropSignal
from kizuna.apps.usage.rollups import usage_summaries_refresh
from kizuna.apps.usage.selectors import usage_failed_days
from kizuna.apps.usage.services import usage_rollup_pending
from kizuna.apps.usage.upkeep import usage_abandoned_files_sweep


def refresh_summaries(day: dt.date) -> str:
    """Recompute every account's 28-day usage summary and drop signals as of ``day``.

    Queued days are rolled up first; a day whose rollup fails is left queued as failed (the
    ops page shows it) and named in the report, and the summaries are computed all the same.
    Files that interrupted attempts left more than a day ago (batches without a run, never
    counted) are removed."""

    usage_rollup_pending()  # the summaries read UsageDay: bring it up to date first
    count = usage_summaries_refresh(as_of=day)
    drops = UsageDropSignal.objects.filter(as_of=day).count()
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
