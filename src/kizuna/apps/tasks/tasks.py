"""The tasks app's periodic job (``SCHEDULE``, run by ``kizuna.apps.jobs``): every business
day, the snoozed tasks whose date has come are opened again (docs/tasks.md)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.tasks.services import tasks_wake
from kizuna.core.schedule import daily


@task
def wake_snoozed(day: str) -> str:
    """Open the tasks snoozed until ``day`` (ISO) or earlier; the report says how many."""
    woken = tasks_wake(today=dt.date.fromisoformat(day))
    return f"{woken} snoozed task(s) woken"


SCHEDULE = (daily("tasks.wake_snoozed", wake_snoozed),)
