"""Each app declares its periodic jobs in its tasks.py; the jobs app collects them at start-up,
in the order they run, and refuses a schedule that cannot run."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from kizuna.apps.customers.tasks import refresh_account_mrr
from kizuna.apps.jobs import registry
from kizuna.apps.segments.tasks import expire_exceptions
from kizuna.core.schedule import daily, every_minute

#: what each job runs after, and why (the comments in each app's tasks.py)
DECLARED = {
    "customers.refresh_account_mrr": ("day", ()),
    "expansion.refresh_csqls": ("day", ("customers.refresh_account_mrr",)),
    "churnreasons.refresh_churn_events": ("day", ("customers.refresh_account_mrr",)),
    "segments.expire_exceptions": ("day", ()),
    "coverage.refresh_snapshots": (
        "day",
        ("customers.refresh_account_mrr", "segments.expire_exceptions"),
    ),
    "revenue.refresh_snapshots": ("day", ("segments.expire_exceptions",)),
    "usage.refresh_summaries": ("day", ()),
    "tasks.wake_snoozed": ("day", ()),
    "onboarding.evaluate": (
        "day",
        (
            "segments.expire_exceptions",
            "usage.refresh_summaries",
            "coverage.refresh_snapshots",
            "revenue.refresh_snapshots",
        ),
    ),
    "health.refresh_scores": (
        "day",
        ("segments.expire_exceptions", "usage.refresh_summaries", "onboarding.evaluate"),
    ),
    "health.backtest_models": ("day", ("health.refresh_scores",)),
    "usage.rollup_pending": ("minute", ()),
    "imports.sync_folder": ("minute", ()),
    "notify.requeue_stranded": ("minute", ()),
    "health.rescore_marked": ("minute", ("health.refresh_scores", "usage.rollup_pending")),
    "rules.evaluate": (
        "day",
        (
            "onboarding.evaluate",
            "usage.refresh_summaries",
            "health.refresh_scores",
            "coverage.refresh_snapshots",
            "customers.refresh_account_mrr",
            "renewals.refresh",
            "tasks.wake_snoozed",
        ),
    ),
    "renewals.refresh": ("day", ("customers.refresh_account_mrr", "health.refresh_scores")),
    "rules.reevaluate": ("minute", ("rules.evaluate",)),
    "rules.act_pending": ("minute", ("rules.evaluate",)),
    "rules.morning_digest": ("minute", ("rules.evaluate", "rules.act_pending")),
    "surveys.invite": ("day", ("customers.refresh_account_mrr", "onboarding.evaluate")),
    "surveys.send_due": ("minute", ("surveys.invite",)),
    "surveys.followups": ("minute", ("surveys.invite",)),
    "kpis.refresh_snapshots": (
        "day",
        (
            "revenue.refresh_snapshots",
            "coverage.refresh_snapshots",
            "onboarding.evaluate",
            "renewals.refresh",
            "expansion.refresh_csqls",
        ),
    ),
    "reports.monthly_report": (
        "day",
        (
            "revenue.refresh_snapshots",
            "health.refresh_scores",
            "renewals.refresh",
            "kpis.refresh_snapshots",
            "diagnosis.diagnose",
        ),
    ),
    "diagnosis.diagnose": (
        "day",
        (
            "coverage.refresh_snapshots",
            "onboarding.evaluate",
            "renewals.refresh",
            "revenue.refresh_snapshots",
            "health.refresh_scores",
            "rules.evaluate",
        ),
    ),
}


def test_the_apps_declare_the_daily_chain_in_the_order_it_always_ran() -> None:
    jobs = registry.schedule()
    assert {job.name: (job.every, job.after) for job in jobs} == DECLARED
    assert [job.name for job in registry.daily_jobs()] == [
        "customers.refresh_account_mrr",
        "churnreasons.refresh_churn_events",
        "expansion.refresh_csqls",
        "segments.expire_exceptions",
        "coverage.refresh_snapshots",
        "revenue.refresh_snapshots",
        "tasks.wake_snoozed",
        "usage.refresh_summaries",
        "onboarding.evaluate",
        "health.refresh_scores",
        "health.backtest_models",
        "renewals.refresh",
        "kpis.refresh_snapshots",
        "rules.evaluate",
        "diagnosis.diagnose",
        "reports.monthly_report",
        "surveys.invite",
    ]
    # each job is its app's own task, found in that app's tasks.py
    for job in jobs:
        app = job.name.split(".")[0]
        assert job.task.module_path.startswith(f"kizuna.apps.{app}.tasks."), job.name
    assert registry.job_named("health.rescore_marked") is jobs[-1]
    assert registry.job_named("nobody") is None


def _module(name: str, schedule: Any) -> ModuleType:
    module = ModuleType(name)
    module.SCHEDULE = schedule  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (
            (
                daily("a.one", refresh_account_mrr, after=("a.two",)),
                daily("a.two", expire_exceptions, after=("a.one",)),
            ),
            "periodic jobs: the jobs a.one, a.two wait for each other",
        ),
        (
            (daily("a.one", refresh_account_mrr, after=("customers.refresh_account_mrx",)),),
            "'a.one' runs after 'customers.refresh_account_mrx', which no app declares",
        ),
        (
            (every_minute("a.m", refresh_account_mrr), daily("a.d", expire_exceptions,
                                                             after=("a.m",))),
            "daily job 'a.d' cannot wait for minute job 'a.m'",
        ),
        ((daily("a.plain", print),), "is not a daily\\(...\\) or every_minute\\(...\\)"),
        (("a.name",), "is not a daily"),
    ],
)  # fmt: skip
def test_a_schedule_that_cannot_run_stops_the_start_up(schedule: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        registry.schedule_collect([_module("kizuna.apps.a.tasks", schedule)])


def test_the_jobs_app_refuses_to_start_on_a_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    # given one more app whose job runs after health's scores, which (in this app) run after it
    bad = _module(
        "kizuna.apps.bad.tasks",
        (daily("bad.first", refresh_account_mrr, after=("health.refresh_scores",)),),
    )
    real = registry.app_task_modules()
    monkeypatch.setattr(registry, "app_task_modules", lambda: [*real, bad])
    health = next(m for m in real if m.__name__ == "kizuna.apps.health.tasks")
    scores = health.SCHEDULE[0]
    monkeypatch.setattr(
        health, "SCHEDULE", (scores.__class__(**{**vars(scores), "after": ("bad.first",)}),)
    )
    before = registry.schedule()
    # when the app registry gets the jobs app ready, then the start-up stops, naming the jobs
    with pytest.raises(ImproperlyConfigured, match=r"bad\.first, .*health\.refresh_scores"):
        apps.get_app_config("jobs").ready()
    assert registry.schedule() == before  # the schedule in use is untouched


def test_only_kizunas_apps_with_a_tasks_module_are_read() -> None:
    names = [module.__name__ for module in registry.app_task_modules()]
    assert names == [
        "kizuna.apps.customers.tasks",
        "kizuna.apps.notify.tasks",
        "kizuna.apps.revenue.tasks",
        "kizuna.apps.segments.tasks",
        "kizuna.apps.coverage.tasks",
        "kizuna.apps.usage.tasks",
        "kizuna.apps.onboarding.tasks",
        "kizuna.apps.health.tasks",
        "kizuna.apps.expansion.tasks",
        "kizuna.apps.imports.tasks",
        "kizuna.apps.tasks.tasks",
        "kizuna.apps.renewals.tasks",
        "kizuna.apps.churnreasons.tasks",
        "kizuna.apps.rules.tasks",
        "kizuna.apps.surveys.tasks",
        "kizuna.apps.reports.tasks",
        "kizuna.apps.kpis.tasks",
        "kizuna.apps.diagnosis.tasks",
    ]
