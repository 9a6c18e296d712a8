"""Queueing the periodic jobs and keeping their state rows: idempotent per business day (or
minute), resumable after a crash.

``jobs_enqueue_due`` is the scheduler's tick (``schedule_jobs``, ``run_jobs``): it queues the
day's next daily job and every minute job that is due. The daily jobs of a day run one at a
time in their declared order: when one finishes, ``job_finished`` queues the next
(``kizuna.core.schedule.next_daily``). A failed job is recorded, the others go on, and it is
retried on its own after 1, 2, 4, … minutes. Every run is a task result (django-tasks-db) that
the state row points to.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.tasks import TaskResult, TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from kizuna.apps.jobs.models import JobState
from kizuna.apps.jobs.registry import Job, job_named, schedule
from kizuna.core.schedule import (
    FAILED,
    OK,
    QUEUED,
    RUNNING,
    RunState,
    dependents,
    is_due,
    is_ready,
    next_daily,
)

log = logging.getLogger("kizuna.jobs")
#: The worker id the task results of runs made by ``run_jobs`` (not ``db_worker``) carry.
IN_PROCESS_WORKER = "run_jobs"


def job_run_state(row: JobState | None) -> RunState:
    """The last run ``row`` records, as the scheduler reads it (``kizuna.core.schedule``)."""
    if row is None:
        return RunState()
    return RunState(
        day=row.last_run_on,
        status=row.last_status,
        attempts=row.attempts,
        enqueued_at=row.last_enqueued_at,
        finished_at=row.last_finished_at,
    )


def _states() -> dict[str, RunState]:
    return {row.name: job_run_state(row) for row in JobState.objects.all()}


def _claim_and_enqueue(
    job: Job, *, day: dt.date, now: dt.datetime, once_a_minute: bool = True
) -> bool:
    """Claim ``job``'s run of ``day`` on its state row and queue its task, in one transaction;
    False when another scheduler claimed it first (or it is no longer due)."""
    with transaction.atomic():
        row, _created = JobState.objects.get_or_create(name=job.name)
        seen = job_run_state(row)
        if not is_due(job.every, seen, day=day, now=now, once_a_minute=once_a_minute):
            return False
        retry = job.every == "day" and seen.day == day
        claimed = JobState.objects.filter(
            pk=row.pk,
            last_run_on=row.last_run_on,
            last_status=row.last_status,
            attempts=row.attempts,
            last_enqueued_at=row.last_enqueued_at,
        ).update(
            last_run_on=day,
            last_status=QUEUED,
            attempts=seen.attempts + 1 if retry else 1,
            last_enqueued_at=now,
        )
        if claimed != 1:
            return False
        result = job.task.enqueue(day.isoformat())
        JobState.objects.filter(pk=row.pk).update(task_id=str(result.id))
    log.info("job %s for %s: queued (task %s)", job.name, day, result.id)
    return True


def jobs_enqueue_due(
    *,
    day: dt.date,
    now: dt.datetime,
    cadences: Iterable[str] = ("day", "minute"),
    once_a_minute: bool = True,
) -> list[str]:
    """The scheduler's tick for business ``day`` at ``now``: queue the day's next daily job
    (unless one is queued or running) and every minute job that is due, whose jobs ``after``
    let it go and that has work (its ``when``); ``once_a_minute=False`` (a run asked for by
    hand) queues a minute job even if it already ran in this minute. Returns the names queued."""
    jobs = schedule()
    wanted = set(cadences)
    queued = []
    if "day" in wanted:
        queued += _enqueue_next_daily(jobs, day=day, now=now)
    if "minute" in wanted:
        minute_jobs = [job for job in jobs if job.every == "minute"]
        queued += _enqueue_minute_jobs(
            jobs, minute_jobs, day=day, now=now, once_a_minute=once_a_minute
        )
    return queued


def _enqueue_next_daily(jobs: tuple[Job, ...], *, day: dt.date, now: dt.datetime) -> list[str]:
    job = next_daily(jobs, _states(), day=day, now=now)
    if job is not None and _claim_and_enqueue(job, day=day, now=now):
        return [job.name]
    return []


def _enqueue_minute_jobs(
    jobs: tuple[Job, ...],
    candidates: Iterable[Job],
    *,
    day: dt.date,
    now: dt.datetime,
    once_a_minute: bool = True,
) -> list[str]:
    cadences = {job.name: job.every for job in jobs}
    states = _states()
    queued = []
    for job in candidates:
        state = states.get(job.name, RunState())
        if not is_due("minute", state, day=day, now=now, once_a_minute=once_a_minute):
            continue
        if not is_ready(job, states, cadences, day=day, now=now):
            continue
        if job.when is not None and not job.when():
            continue
        if _claim_and_enqueue(job, day=day, now=now, once_a_minute=once_a_minute):
            queued.append(job.name)
            states[job.name] = RunState(day=day, status=QUEUED, enqueued_at=now)
    return queued


def job_started(task_result: TaskResult[..., Any]) -> None:
    """The worker started ``task_result``: the run of the job it belongs to is running."""
    JobState.objects.filter(task_id=str(task_result.id)).update(
        last_status=RUNNING, last_started_at=timezone.now()
    )


def job_finished(task_result: TaskResult[..., Any]) -> None:
    """The worker finished ``task_result``: record the run's outcome on its job's state row,
    then queue what runs after it (the day's next daily job; the minute jobs waiting for a
    minute job)."""
    row = JobState.objects.filter(task_id=str(task_result.id)).first()
    if row is None or row.last_run_on is None:
        return
    if task_result.status == TaskResultStatus.SUCCESSFUL:
        status, message = OK, str(task_result.return_value or "")
    else:
        status, message = FAILED, _error_line(task_result)
    JobState.objects.filter(pk=row.pk).update(
        last_finished_at=timezone.now(), last_status=status, last_message=message
    )
    log.info("job %s for %s: %s %s", row.name, row.last_run_on, status, message)
    job = job_named(row.name)
    if job is None:
        return
    if job.every == "day":
        _enqueue_next_daily(schedule(), day=row.last_run_on, now=timezone.now())
    else:
        waiting = dependents(schedule(), job.name)
        _enqueue_minute_jobs(schedule(), waiting, day=row.last_run_on, now=timezone.now())


def _error_line(task_result: TaskResult[..., Any]) -> str:
    """The last line of the run's traceback (``ValueError: …``), or the exception's class."""
    if not task_result.errors:
        return "failed"
    error = task_result.errors[-1]
    lines = [line for line in error.traceback.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else error.exception_class_path


def tasks_run_queued(*, worker_id: str = IN_PROCESS_WORKER) -> list[str]:
    """Run every task waiting in the database queue here, one at a time in queue order, until
    none is left (tasks queued meanwhile too); returns their result ids in the order run.

    What ``kizuna manage db_worker --batch`` does, through the same ``Worker.run_task``
    (results, signals), without its connection recycling, so that it also runs inside a
    transaction (the demo load, the tests)."""
    backend_name = "default"
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend_name,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran: list[str] = []
    while True:
        ready = DBTaskResult.objects.ready().filter(backend_name=backend_name)
        with exclusive_transaction(ready.db):
            result = ready.get_locked()
            if result is None:
                return ran
            result.claim(worker_id)
        worker.run_task(result)
        ran.append(str(result.id))


@dataclass(frozen=True)
class JobRun:
    name: str
    every: str  # "day" or "minute"
    status: str  # ok, failed (or still queued / running)
    message: str
    seconds: float | None = None  # from its start to its end, None until it ended

    def line(self) -> str:
        """``name: ok: report`` for a daily job; ``name: report`` for a minute job (``name:
        failed: error`` when it failed)."""
        if self.every == "day" or self.status != OK:
            return f"{self.name}: {self.status}: {self.message}"
        return f"{self.name}: {self.message}"


def jobs_run_due(*, day: dt.date) -> list[tuple[str, str]]:
    """Run here, in their order, the daily jobs not yet done for ``day`` (and whatever else
    waits in the queue); returns ``(job, "status: report")`` for each daily job run."""
    return [(run.name, f"{run.status}: {run.message}") for run in jobs_run_due_runs(day=day)]


def jobs_run_due_runs(*, day: dt.date) -> list[JobRun]:
    """``jobs_run_due``, returning each daily job's run (with how long it took)."""
    jobs_enqueue_due(day=day, now=timezone.now(), cadences=("day",))
    runs = jobs_runs(tasks_run_queued())
    return [run for run in runs if run.every == "day"]


def jobs_run_once(*, day: dt.date, now: dt.datetime) -> list[JobRun]:
    """One pass of the scheduler and a worker here: queue what is due at ``now`` (the minute
    jobs with work even if they ran in this minute) and run the queue, again until nothing
    more is due at ``now`` (a minute job waiting for the day's jobs goes once they are done);
    returns the job runs in the order they ran."""
    ran: list[str] = []
    first = True
    while True:
        queued = jobs_enqueue_due(day=day, now=now, once_a_minute=not first)
        done = tasks_run_queued()
        ran += done
        first = False
        if not queued and not done:
            return jobs_runs(ran)


def _seconds(row: JobState) -> float | None:
    started, finished = row.last_started_at, row.last_finished_at
    if started is None or finished is None or finished < started:
        return None
    return (finished - started).total_seconds()


def jobs_runs(result_ids: Iterable[str]) -> list[JobRun]:
    """The job runs among the task results ``result_ids``, in that order."""
    ids = list(result_ids)
    rows = {row.task_id: row for row in JobState.objects.filter(task_id__in=ids)}
    runs = []
    for result_id in ids:
        row = rows.get(result_id)
        job = job_named(row.name) if row else None
        if row is not None and job is not None:
            runs.append(
                JobRun(row.name, job.every, row.last_status, row.last_message, _seconds(row))
            )
    return runs
