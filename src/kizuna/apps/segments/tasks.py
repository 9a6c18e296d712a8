"""The segments app's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.segments.services import segment_exceptions_expire
from kizuna.core.schedule import daily


@task
def expire_exceptions(day: str) -> str:
    """End the segment exceptions expired before ``day`` (ISO date)."""
    return f"{segment_exceptions_expire(today=dt.date.fromisoformat(day))} segment exceptions ended"


SCHEDULE = (daily("segments.expire_exceptions", expire_exceptions),)
