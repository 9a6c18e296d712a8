"""The periodic jobs' declared schedule: what runs every business day or every minute, after
what, and when a run is due. Pure: the jobs app (``kizuna.apps.jobs``) collects each app's
``tasks.SCHEDULE``, orders it here once at start-up and asks here whether a job is due.

The daily jobs of a business day run one at a time, in ``schedule_order``: each after the jobs
it declares ``after`` (and, among jobs free to go, by name). A job waits until those have
finished, ok or failed: a failed job never holds the others back; it is retried on its own.
A daily job may wait only for daily jobs; a minute job may wait for both: for a daily job,
until it has finished for the day; for a minute job, until its current run (if any) ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

type Cadence = Literal["day", "minute"]

#: States of a job's last run (``JobState.last_status``): "" never ran.
QUEUED, RUNNING, OK, FAILED = "queued", "running", "ok", "failed"
FINISHED = frozenset({OK, FAILED})
PENDING = frozenset({QUEUED, RUNNING})
#: A job queued or running for longer than this is taken for lost (its worker stopped under
#: it): a minute job is queued again, and the day's other daily jobs no longer wait for it.
LOST_AFTER = dt.timedelta(hours=2)
#: A failed daily job is retried after 1, 2, 4, … minutes, at most an hour apart.
RETRY_CAP_MINUTES = 60


class ScheduleError(ValueError):
    """The declared schedule cannot run: a duplicate name, an unknown job in ``after``, a
    cycle, or a daily job waiting for a minute job."""


@dataclass(frozen=True)
class Scheduled[T]:
    """One periodic job: ``name`` (``<app>.<job>``, the key of its state row), the task to
    enqueue with the business day (ISO text), how often, and what it runs after.

    ``when`` (minute jobs): a cheap check whether there is anything to do; without work no
    run is queued (so no empty result is stored every minute)."""

    name: str
    task: T
    every: Cadence
    after: tuple[str, ...] = ()
    when: Callable[[], bool] | None = field(default=None, compare=False)


def daily[T](name: str, task: T, *, after: Iterable[str] = ()) -> Scheduled[T]:
    return Scheduled(name, task, "day", tuple(after))


def every_minute[T](
    name: str, task: T, *, after: Iterable[str] = (), when: Callable[[], bool] | None = None
) -> Scheduled[T]:
    return Scheduled(name, task, "minute", tuple(after), when)


def schedule_order[T](entries: Iterable[Scheduled[T]]) -> tuple[Scheduled[T], ...]:
    """``entries`` in an order where each comes after everything it waits for; among jobs
    free to go, by name (so the order never depends on how the apps are listed).

    Raises ``ScheduleError`` on a duplicate name, an unknown name in ``after``, a daily job
    after a minute job, or a cycle (naming the jobs in it)."""
    by_name: dict[str, Scheduled[T]] = {}
    for entry in entries:
        if entry.name in by_name:
            raise ScheduleError(f"two jobs are named {entry.name!r}")
        by_name[entry.name] = entry
    for entry in by_name.values():
        for name in entry.after:
            if name not in by_name:
                raise ScheduleError(f"{entry.name!r} runs after {name!r}, which no app declares")
            if entry.every == "day" and by_name[name].every == "minute":
                raise ScheduleError(f"daily job {entry.name!r} cannot wait for minute job {name!r}")
    waiting = {name: set(entry.after) for name, entry in by_name.items()}
    ordered: list[Scheduled[T]] = []
    while waiting:
        free = sorted(name for name, deps in waiting.items() if not deps)
        if not free:
            raise ScheduleError(f"the jobs {', '.join(sorted(waiting))} wait for each other")
        name = free[0]
        ordered.append(by_name[name])
        del waiting[name]
        for deps in waiting.values():
            deps.discard(name)
    return tuple(ordered)


def dependents[T](entries: Iterable[Scheduled[T]], name: str) -> tuple[Scheduled[T], ...]:
    """The entries that run directly after ``name``, in ``entries``' order."""
    return tuple(entry for entry in entries if name in entry.after)


@dataclass(frozen=True)
class RunState:
    """A job's last run as its state row records it."""

    day: dt.date | None = None  # the business day it last ran for
    status: str = ""
    attempts: int = 0  # runs for ``day`` (a retry counts)
    enqueued_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


def retry_delay(attempts: int) -> dt.timedelta:
    """How long a daily job that failed its ``attempts``-th run of a day waits before the next
    one: 1, 2, 4, … minutes, never more than ``RETRY_CAP_MINUTES`` (attempts ≤ 1: 1 minute)."""
    exponent = min(max(attempts, 1) - 1, 10)
    return dt.timedelta(minutes=min(2**exponent, RETRY_CAP_MINUTES))


def is_due(
    every: Cadence,
    state: RunState,
    *,
    day: dt.date,
    now: dt.datetime,
    once_a_minute: bool = True,
) -> bool:
    """Whether a job with ``state`` should be queued for business ``day`` at ``now``.

    Daily: not yet run for ``day`` (a later day already run is never run again for an
    earlier one), or failed for ``day`` and ``retry_delay`` has passed since. Minute: not
    queued yet in ``now``'s minute (unless ``once_a_minute`` is False: a run asked for by
    hand), and not still queued or running (unless for longer than ``LOST_AFTER``)."""
    if every == "day":
        if state.day is None or state.day < day:
            return True
        if state.day > day or state.status != FAILED:
            return False
        finished = state.finished_at or state.enqueued_at
        return finished is None or now >= finished + retry_delay(state.attempts)
    minute = now.replace(second=0, microsecond=0)
    if state.enqueued_at is None:
        return True
    if once_a_minute and state.enqueued_at >= minute:
        return False
    return state.status not in PENDING or is_lost(state, now)


def is_finished_for(state: RunState, *, day: dt.date, now: dt.datetime) -> bool:
    """Whether a daily job waited for has finished (ok or failed) its run of ``day`` or of a
    later day, or its run of ``day`` is lost (see ``LOST_AFTER``)."""
    if state.day is None or state.day < day:
        return False
    return state.day > day or state.status in FINISHED or is_lost(state, now)


def is_ready[T](
    entry: Scheduled[T],
    states: Mapping[str, RunState],
    cadences: Mapping[str, Cadence],
    *,
    day: dt.date,
    now: dt.datetime,
) -> bool:
    """Whether ``entry`` may be queued now as far as the jobs it runs after go: each daily one
    has finished its run of ``day``; each minute one is neither queued nor running (unless
    lost, see ``LOST_AFTER``)."""
    for name in entry.after:
        state = states.get(name, RunState())
        if cadences[name] == "day":
            if not is_finished_for(state, day=day, now=now):
                return False
        elif state.status in PENDING and not is_lost(state, now):
            return False
    return True


def is_lost(state: RunState, now: dt.datetime) -> bool:
    """Whether a queued or running job has been so for longer than ``LOST_AFTER``."""
    if state.status not in PENDING or state.enqueued_at is None:
        return False
    return now - state.enqueued_at > LOST_AFTER


def next_daily[T](
    entries: Iterable[Scheduled[T]],
    states: Mapping[str, RunState],
    *,
    day: dt.date,
    now: dt.datetime,
) -> Scheduled[T] | None:
    """The daily job to queue next for ``day``: None while one is queued or running for it
    (unless lost), else the first in ``entries``' order (``schedule_order``) that is due and
    whose jobs ``after`` have finished; None when every one is done (or waits for a retry)."""
    entries = tuple(entries)
    cadences = {entry.name: entry.every for entry in entries}
    daily = [entry for entry in entries if entry.every == "day"]
    for entry in daily:
        state = states.get(entry.name, RunState())
        if state.day == day and state.status in PENDING and not is_lost(state, now):
            return None
    for entry in daily:
        state = states.get(entry.name, RunState())
        if is_due("day", state, day=day, now=now) and is_ready(
            entry, states, cadences, day=day, now=now
        ):
            return entry
    return None
