"""The worker tells the jobs app when a task starts and ends (``django.tasks`` signals, sent
by ``db_worker`` and by ``run_jobs`` alike): the state row of the job run follows, and the
next job is queued. A receiver never raises: the worker would record the task as failed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.tasks import TaskResult
from django.tasks.signals import task_finished, task_started

from kizuna.apps.jobs.services import job_finished, job_started

log = logging.getLogger("kizuna.jobs")


@receiver(task_started)
def on_task_started(sender: Any, task_result: TaskResult[..., Any], **kwargs: Any) -> None:
    try:
        with transaction.atomic():  # a failed update leaves the worker's own writes alone
            job_started(task_result)
    except Exception:
        log.exception("job state of task %s: not updated at its start", task_result.id)


@receiver(task_finished)
def on_task_finished(sender: Any, task_result: TaskResult[..., Any], **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            job_finished(task_result)
    except Exception:
        log.exception("job state of task %s: not updated at its end", task_result.id)
