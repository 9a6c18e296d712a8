"""Upkeep of the usage pipeline: what CS ops admins do about a day whose rollup failed
(retry it now, or discard its pending rollup; both audited), and the daily removal of files
that interrupted attempts left and no run names (never counted)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record, snapshot_diff
from kizuna.apps.org.models import User
from kizuna.apps.usage.models import IngestionRun, UsagePendingDay
from kizuna.apps.usage.selectors import ABANDONED_AFTER, usage_abandoned_files
from kizuna.apps.usage.services.ingestion import event_store, usage_day_failed_mark
from kizuna.apps.usage.services.rollups import usage_rollup_days

log = logging.getLogger("kizuna.usage")


def usage_abandoned_files_sweep(*, now: dt.datetime | None = None) -> int:
    """Remove the files of batches without a run whose files are all older than
    ``ABANDONED_AFTER`` (the daily job); returns the files removed and logs one line. A batch
    that got its run meanwhile, or whose files a retry is rewriting, is kept."""
    now = now or timezone.now()
    found = usage_abandoned_files(now=now)
    store, removed, batches = event_store(), 0, 0
    for batch_id in found.due_batches:
        if IngestionRun.objects.filter(batch_id=batch_id).exists():
            continue  # committed since the listing: counted, kept
        # a retry writes the batch's files before it commits its run: new files, kept
        gone = store.remove_batch(batch_id, written_before=(now - ABANDONED_AFTER).timestamp())
        removed += gone
        batches += 1 if gone else 0
    log.info(
        "usage: removed %d files of %d batches left by interrupted attempts (older than %d h);"
        " %d files wait",
        removed,
        batches,
        ABANDONED_AFTER.total_seconds() // 3600,
        found.files - removed,
    )
    return removed


class FailedDayGone(Exception):
    """The day is no longer failed (rolled up, discarded or queued again meanwhile)."""


def _failed_day(day: dt.date) -> UsagePendingDay:
    row = UsagePendingDay.objects.select_for_update().filter(day=day, failed_at__isnull=False)
    found = row.first()
    if found is None:
        raise FailedDayGone(day)
    return found


@transaction.atomic
def usage_failed_day_retry(*, actor: User, day: dt.date) -> bool:
    """Roll up a day whose rollup had failed, now; audited. True when it was rolled up (it
    leaves the queue); False when it failed again (its time and error are updated). Raises
    ``FailedDayGone`` when the day is not (or no longer) failed."""
    row = _failed_day(day)
    before = {"failed_at": row.failed_at.isoformat() if row.failed_at else None, "error": row.error}
    started = timezone.now()
    try:
        with transaction.atomic():
            usage_rollup_days(days=[day])
    except Exception as error:
        usage_day_failed_mark(day, started, error)
        row.refresh_from_db()
    else:
        row.failed_at, row.error = None, ""
    after = {"failed_at": row.failed_at.isoformat() if row.failed_at else None, "error": row.error}
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=row,
        account_id=None,
        changes={"day": [day.isoformat(), day.isoformat()], **snapshot_diff(before, after)},
    )
    done = row.failed_at is None
    if done:
        row.delete()
    log.info(
        "usage rollup of %s retried by %s: %s", day, actor.username, "done" if done else "failed"
    )
    return done


@transaction.atomic
def usage_failed_day_discard(*, actor: User, day: dt.date) -> None:
    """Take a failed day off the queue without rolling it up; audited. Only the pending rollup
    is discarded: the day's ``UsageDay`` rows stay as last computed, and its stored events and
    daily totals stay in the store (the next rollup of the day, when new events arrive for it,
    or a rebuild counts them). Raises ``FailedDayGone`` when the day is not failed."""
    row = _failed_day(day)
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        instance=row,
        account_id=None,
        changes={
            "day": [day.isoformat(), None],
            "failed_at": [row.failed_at.isoformat() if row.failed_at else None, None],
            "error": [row.error, None],
        },
    )
    row.delete()
    log.info("usage rollup of %s discarded by %s", day, actor.username)
