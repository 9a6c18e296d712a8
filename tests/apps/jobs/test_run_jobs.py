"""The daily jobs run once per business day and keep account MRR in step with the lines."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.jobs.models import JobState
from kizuna.apps.jobs.services import jobs_run_due
from tests.factories import SubscriptionLineFactory, World


def test_it_refreshes_account_mrr_as_lines_start_and_end(world: World) -> None:
    # given a line that ends on 2026-12-01 (exclusive) and one that starts then
    SubscriptionLineFactory(
        account=world.account, billing_amount=100_000, end_date=dt.date(2026, 12, 1)
    )
    SubscriptionLineFactory(
        account=world.account, billing_amount=150_000, start_date=dt.date(2026, 12, 1)
    )
    # when the job runs on 2026-11-30 and then on 2026-12-01
    jobs_run_due(day=dt.date(2026, 11, 30))
    world.account.refresh_from_db()
    before = world.account.mrr
    jobs_run_due(day=dt.date(2026, 12, 1))
    world.account.refresh_from_db()
    # then MRR is the first line's, then the second line's
    assert before == 100_000
    assert world.account.mrr == 150_000


def test_it_runs_each_job_once_per_day(world: World) -> None:
    first = jobs_run_due(day=dt.date(2026, 11, 30))
    again = jobs_run_due(day=dt.date(2026, 11, 30))
    assert [name for name, _report in first] == [
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
    assert again == []
    state = JobState.objects.get(name="customers.refresh_account_mrr")
    assert state.last_status == "ok"
    assert state.last_run_on == dt.date(2026, 11, 30)
