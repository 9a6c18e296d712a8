"""The periodic jobs go through Django's tasks framework and the database queue: claimed once
per day (or minute) on their state row, run one after another in their declared order, each
run a task result; a failed job fails alone, is retried after 1, 2, 4, … minutes, and both
the state rows and the task results show it, read-only, to CS ops admins."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kizuna.apps.customers.models import Account
from kizuna.apps.jobs.models import JobState
from kizuna.apps.jobs.registry import daily_jobs
from kizuna.apps.jobs.services import jobs_enqueue_due, jobs_run_due, tasks_run_queued
from kizuna.apps.segments import tasks as segment_tasks
from kizuna.apps.tenant.selectors import tenant_today
from tests.factories import World

DAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 0, 0, 30, tzinfo=dt.UTC)
CHAIN = [job.name for job in daily_jobs()]


@pytest.fixture
def failing_expiry(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The segment job raises while the list holds a number (each call pops one)."""
    failures = [1]
    real = segment_tasks.segment_exceptions_expire

    def expire(*, today: dt.date) -> int:
        if failures:
            failures.pop()
            raise ValueError("boom")
        return real(today=today)

    monkeypatch.setattr(segment_tasks, "segment_exceptions_expire", expire)
    return failures


def test_the_scheduler_queues_the_days_first_job_and_the_worker_runs_the_chain(
    world: World,
) -> None:
    # when the scheduler ticks, twice in the same minute (or two schedulers)
    first = jobs_enqueue_due(day=DAY, now=NOW)
    again = jobs_enqueue_due(day=DAY, now=NOW + dt.timedelta(seconds=20))
    # then only the day's first job is queued, once, and nothing ran yet
    assert (first, again) == (["customers.refresh_account_mrr"], [])
    queued = DBTaskResult.objects.get()
    assert (queued.task_path, queued.status, queued.args_kwargs) == (
        "kizuna.apps.customers.tasks.refresh_account_mrr",
        TaskResultStatus.READY,
        {"args": ["2026-11-30"], "kwargs": {}},
    )
    state = JobState.objects.get()
    assert (state.last_status, state.last_run_on, state.attempts, state.task_id) == (
        "queued",
        DAY,
        1,
        str(queued.id),
    )
    # when the worker runs the queue
    ran = tasks_run_queued()
    # then each job queued the next: each ran one after another in their order, ok
    results = {str(r.id): r for r in DBTaskResult.objects.all()}
    assert [results[i].task_path.rsplit("tasks.", 1)[0] + results[i].task_name for i in ran] == [
        "kizuna.apps.customers.refresh_account_mrr",
        "kizuna.apps.churnreasons.refresh_churn_events",
        "kizuna.apps.expansion.refresh_csqls",
        "kizuna.apps.segments.expire_exceptions",
        "kizuna.apps.coverage.refresh_snapshots",
        "kizuna.apps.revenue.refresh_snapshots",
        "kizuna.apps.tasks.wake_snoozed",
        "kizuna.apps.usage.refresh_summaries",
        "kizuna.apps.onboarding.evaluate",
        "kizuna.apps.health.refresh_scores",
        "kizuna.apps.health.backtest_models",
        "kizuna.apps.renewals.refresh",
        "kizuna.apps.kpis.refresh_snapshots",
        "kizuna.apps.rules.evaluate",
        "kizuna.apps.diagnosis.diagnose",
        "kizuna.apps.reports.monthly_report",
        "kizuna.apps.surveys.invite",
    ]
    assert {r.status for r in results.values()} == {TaskResultStatus.SUCCESSFUL}
    states = {s.name: s for s in JobState.objects.all()}
    assert list(states) == sorted(CHAIN)
    assert {(s.last_status, s.attempts, s.last_run_on) for s in states.values()} == {("ok", 1, DAY)}
    # and each state row points to its run's result, whose return value is the job's report
    mrr = states["customers.refresh_account_mrr"]
    assert results[mrr.task_id].return_value == mrr.last_message == "0 accounts changed MRR"
    assert jobs_enqueue_due(day=DAY, now=NOW + dt.timedelta(hours=5)) == []


def test_a_failed_job_fails_alone_and_is_retried_after_a_minute(
    world: World, failing_expiry: list[int]
) -> None:
    # when the day's jobs run and the segment job raises
    reports = dict(jobs_run_due(day=DAY))
    # then it failed with its error, and every other job of the day ran all the same
    assert reports.pop("segments.expire_exceptions") == "failed: ValueError: boom"
    assert list(reports) == [name for name in CHAIN if name != "segments.expire_exceptions"]
    assert {report.split(":")[0] for report in reports.values()} == {"ok"}
    state = JobState.objects.get(name="segments.expire_exceptions")
    assert (state.last_status, state.attempts) == ("failed", 1)
    failed = DBTaskResult.objects.get(id=state.task_id)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "builtins.ValueError"
    assert 'raise ValueError("boom")' in failed.traceback
    # when the scheduler ticks 59 s after the failure, then 60 s after
    assert state.last_finished_at is not None
    soon = jobs_enqueue_due(day=DAY, now=state.last_finished_at + dt.timedelta(seconds=59))
    later = jobs_enqueue_due(day=DAY, now=state.last_finished_at + dt.timedelta(seconds=60))
    # then the failed job alone is queued again, as its second attempt
    assert (soon, later) == ([], ["segments.expire_exceptions"])
    tasks_run_queued()
    state.refresh_from_db()
    assert (state.last_status, state.attempts, state.last_message) == (
        "ok",
        2,
        "0 segment exceptions ended",
    )
    # both attempts are task results; the others ran once
    assert DBTaskResult.objects.filter(task_path__endswith="expire_exceptions").count() == 2
    assert DBTaskResult.objects.count() == len(CHAIN) + 1


def test_run_jobs_once_exits_normally_when_a_job_fails(
    world: World, failing_expiry: list[int]
) -> None:
    out, err = StringIO(), StringIO()
    call_command("run_jobs", "--once", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert "segments.expire_exceptions: failed: ValueError: boom" in lines
    assert [line.split(":")[0] for line in lines] == CHAIN
    assert JobState.objects.filter(last_status="ok").count() == len(CHAIN) - 1


def test_schedule_jobs_queues_without_running(world: World) -> None:
    out = StringIO()
    call_command("schedule_jobs", "--once", stdout=out)
    assert out.getvalue() == "customers.refresh_account_mrr: queued\n"
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY
    assert JobState.objects.get().last_run_on == tenant_today()


def test_a_minute_job_is_queued_only_when_it_has_work_and_once_a_minute(world: World) -> None:
    # given the day's jobs done, and no account marked for rescoring
    jobs_run_due(day=DAY)
    later = NOW + dt.timedelta(hours=1)
    assert jobs_enqueue_due(day=DAY, now=later) == []
    # when an account is marked: queued, once in the minute, until its run ends
    Account.objects.filter(pk=world.account.pk).update(health_stale_since=timezone.now())
    assert jobs_enqueue_due(day=DAY, now=later) == ["health.rescore_marked"]
    assert jobs_enqueue_due(day=DAY, now=later + dt.timedelta(minutes=1)) == []
    tasks_run_queued()
    state = JobState.objects.get(name="health.rescore_marked")
    assert (state.last_status, state.last_run_on) == ("ok", DAY)
    assert jobs_enqueue_due(day=DAY, now=later + dt.timedelta(seconds=29)) == []


def _admin(world: World) -> Client:
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client = Client()
    client.force_login(world.admin)
    return client


def test_cs_ops_admins_read_job_states_and_task_results_in_japanese(
    world: World, failing_expiry: list[int]
) -> None:
    # given a day's run with one failure
    jobs_run_due(day=DAY)
    client = _admin(world)
    state = JobState.objects.get(name="segments.expire_exceptions")
    # when the admin opens the administration, the job states and the failed task's result
    index = client.get("/admin/").content.decode()
    states = client.get(reverse("admin:jobs_jobstate_changelist")).content.decode()
    result_url = reverse("admin:django_tasks_database_dbtaskresult_change", args=[state.task_id])
    result = client.get(result_url).content.decode()
    results = client.get(
        reverse("admin:django_tasks_database_dbtaskresult_changelist") + "?status=FAILED"
    ).content.decode()
    # then they are in Japanese; the failure, its attempts and its traceback show
    assert "タスクの結果" in index and "Task Results" not in index and "Tasks Database" not in index
    assert "ジョブの状態" in index
    assert "ValueError: boom" in states and f'href="{result_url}"' in states
    assert "試行回数" in states
    assert "kizuna.apps.segments.tasks.expire_exceptions" in results
    assert results.count('class="field-status"') == 1  # one failed result listed
    assert "<pre>Traceback" in result and "失敗" in result


def test_the_ops_view_is_read_only(world: World) -> None:
    jobs_run_due(day=DAY)
    client = _admin(world)
    state = JobState.objects.get(name="customers.refresh_account_mrr")
    posts: list[Any] = [
        client.post(reverse("admin:jobs_jobstate_change", args=[state.pk]), {"attempts": "9"}),
        client.post(reverse("admin:jobs_jobstate_delete", args=[state.pk]), {"post": "yes"}),
        client.post(
            reverse("admin:django_tasks_database_dbtaskresult_delete", args=[state.task_id]),
            {"post": "yes"},
        ),
    ]
    assert [p.status_code for p in posts] == [403, 403, 403]
    assert JobState.objects.get(pk=state.pk).attempts == 1
    assert DBTaskResult.objects.filter(id=state.task_id).exists()
