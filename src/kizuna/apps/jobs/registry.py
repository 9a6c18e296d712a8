"""The periodic jobs, as each app declares them in its ``tasks.py``: ``@task`` functions that
take the business day (ISO text) and return a one-line report, and ``SCHEDULE``, a tuple of
``kizuna.core.schedule.daily(...)`` / ``every_minute(...)`` naming each job, how often it runs
and what it runs after. Collected once at start-up (``JobsConfig.ready``) and ordered by
``kizuna.core.schedule.schedule_order``; a duplicate name, an unknown job in ``after``, a cycle
or a task that is not a ``django.tasks`` task stops the start-up with ``ImproperlyConfigured``.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.tasks import Task
from django.utils.module_loading import module_has_submodule

from kizuna.core.schedule import Scheduled, ScheduleError, schedule_order

type Job = Scheduled[Task[..., Any]]

_schedule: tuple[Job, ...] = ()


def app_task_modules() -> list[ModuleType]:
    """The ``tasks`` module of every Kizuna app that has one, in ``INSTALLED_APPS`` order."""
    return [
        import_module(f"{config.name}.tasks")
        for config in apps.get_app_configs()
        if config.name.startswith("kizuna.apps.") and module_has_submodule(config.module, "tasks")
    ]


def schedule_collect(modules: Iterable[ModuleType]) -> tuple[Job, ...]:
    """Every module's ``SCHEDULE`` in the order the jobs run (``schedule_order``)."""
    entries: list[Job] = []
    for module in modules:
        for entry in getattr(module, "SCHEDULE", ()):
            if not isinstance(entry, Scheduled) or not isinstance(entry.task, Task):
                raise ImproperlyConfigured(
                    f"{module.__name__}.SCHEDULE: {entry!r} is not a daily(...) or"
                    " every_minute(...) of a django.tasks task"
                )
            entries.append(entry)
    try:
        return schedule_order(entries)
    except ScheduleError as error:
        raise ImproperlyConfigured(f"periodic jobs: {error}") from error


def schedule_load() -> None:
    global _schedule
    _schedule = schedule_collect(app_task_modules())


def schedule() -> tuple[Job, ...]:
    """Every periodic job, in the order they run."""
    return _schedule


def daily_jobs() -> tuple[Job, ...]:
    """The daily jobs, in the order they run each business day."""
    return tuple(entry for entry in _schedule if entry.every == "day")


def job_named(name: str) -> Job | None:
    return next((entry for entry in _schedule if entry.name == name), None)
