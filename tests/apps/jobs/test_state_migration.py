"""An existing database keeps working: the state rows of the worker loop before the tasks
framework carry over (a day already run stays run; a run left "running" no longer holds the
day back once it is taken for lost)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kizuna.apps.jobs.services import job_run_state
from kizuna.core.schedule import is_due, is_lost

BEFORE = ("jobs", "0001_initial")
AFTER = ("jobs", "0002_state_for_the_task_worker")
DAY = dt.date(2026, 11, 30)
STARTED = dt.datetime(2026, 11, 29, 15, 0, tzinfo=dt.UTC)  # 00:00 in Tokyo


def every_app_at(jobs: tuple[str, str]) -> list[tuple[str, str]]:
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return [leaf for leaf in leaves if leaf[0] != "jobs"] + [jobs]


@pytest.mark.django_db(transaction=True)
def test_the_rows_of_the_old_worker_loop_keep_working() -> None:
    # given the rows the old loop left: one job done today, one left running today by a
    # stopped worker, one failed today, one never run
    executor = MigrationExecutor(connection)
    executor.migrate(every_app_at(BEFORE))
    old: Any = executor.loader.project_state(every_app_at(BEFORE)).apps.get_model(
        "jobs", "JobState"
    )
    for name, status in [("a.done", "ok"), ("b.stuck", "running"), ("c.failed", "failed")]:
        old.objects.create(name=name, last_run_on=DAY, last_status=status, last_started_at=STARTED)
    old.objects.create(name="d.never")
    # when the database is migrated
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(every_app_at(AFTER))
    # then each day already run counts as one attempt queued when it started
    new: Any = executor.loader.project_state(every_app_at(AFTER)).apps.get_model("jobs", "JobState")
    rows = {row.name: row for row in new.objects.all()}
    assert {name: (r.attempts, r.last_enqueued_at, r.task_id) for name, r in rows.items()} == {
        "a.done": (1, STARTED, ""),
        "b.stuck": (1, STARTED, ""),
        "c.failed": (1, STARTED, ""),
        "d.never": (0, None, ""),
    }
    # and the scheduler reads them as before: done today is not run again, the failed one is
    # retried, the never-run one runs, the stuck one is lost two hours after it started
    now = STARTED + dt.timedelta(hours=2, minutes=1)
    states = {name: job_run_state(row) for name, row in rows.items()}
    due = {name: is_due("day", state, day=DAY, now=now) for name, state in states.items()}
    assert due == {"a.done": False, "b.stuck": False, "c.failed": True, "d.never": True}
    assert is_lost(states["b.stuck"], now)
    assert not is_lost(states["b.stuck"], STARTED + dt.timedelta(hours=1))
