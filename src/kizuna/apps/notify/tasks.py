"""The notify app's tasks: each delivery is sent by its own queued task (Django's tasks
framework, the database queue), retried with back-off by queueing it again to run after the
delivery's next attempt time. Taking the delivery's id, the task may run any number of times:
the delivery's row decides whether anything is sent (``notify.sending``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from kizuna.apps.notify.selectors import deliveries_stranded
from kizuna.apps.notify.sending import delivery_attempt
from kizuna.core.schedule import every_minute

#: At most this many stranded deliveries are queued again per minute.
REQUEUE_BATCH = 500


@task
def deliver(delivery_id: int) -> str:
    """Send delivery ``delivery_id`` if it is still waiting and due; on a failure with a retry
    left, queue itself again for the next attempt. Returns one line saying what it did."""
    attempt = delivery_attempt(delivery_id=delivery_id, now=timezone.now())
    if attempt.retry_at is not None:
        delivery_enqueue(delivery_id, run_after=attempt.retry_at)
    return attempt.line()


def delivery_enqueue(delivery_id: int, *, run_after: dt.datetime | None = None) -> None:
    """Queue the delivery's task once the current transaction commits (at once outside
    one), to run at ``run_after`` (as soon as a worker is free when None)."""

    def enqueue() -> None:
        queued = deliver.using(run_after=run_after) if run_after is not None else deliver
        queued.enqueue(delivery_id)

    transaction.on_commit(enqueue)


def has_stranded() -> bool:
    return deliveries_stranded(now=timezone.now()).exists()


@task
def requeue_stranded(day: str) -> str:
    """Queue again the deliveries whose task never ran or died mid-attempt (``day``: the
    business day it runs on, unused). Queueing one twice is harmless: the delivery's claim lets
    one run send it."""
    ids = list(
        deliveries_stranded(now=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    for delivery_id in ids:
        delivery_enqueue(delivery_id)
    return f"{len(ids)} stranded deliveries queued again"


SCHEDULE = (every_minute("notify.requeue_stranded", requeue_stranded, when=has_stranded),)
