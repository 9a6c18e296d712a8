"""Running the daily jobs: idempotent per business day, resumable after a crash."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone

from kizuna.apps.jobs.models import JobState
from kizuna.apps.jobs.registry import DAILY_JOBS, DailyJob

log = logging.getLogger("kizuna.jobs")


def _claim(job: DailyJob, day: dt.date) -> bool:
    """Mark ``job`` as running for ``day`` unless it already ran (or runs) for it."""
    JobState.objects.get_or_create(name=job.name)
    claimed = JobState.objects.filter(
        Q(last_run_on__isnull=True) | Q(last_run_on__lt=day) | Q(last_status="failed"),
        name=job.name,
    ).update(last_run_on=day, last_started_at=timezone.now(), last_status="running")
    return claimed == 1


def jobs_run_due(*, day: dt.date) -> list[tuple[str, str]]:
    """Run every daily job not yet done for ``day``; returns (job, report) for those run."""
    done = []
    for job in DAILY_JOBS:
        if not _claim(job, day):
            continue
        try:
            message = job.run(day)
            status = "ok"
        except Exception as error:  # a failed job is retried at the next tick
            log.exception("job %s failed for %s", job.name, day)
            message, status = repr(error), "failed"
        JobState.objects.filter(name=job.name).update(
            last_finished_at=timezone.now(), last_status=status, last_message=message
        )
        log.info("job %s for %s: %s %s", job.name, day, status, message)
        done.append((job.name, f"{status}: {message}"))
    return done
