"""The periodic jobs. Each takes the business day it runs for and returns a one-line report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kizuna.apps.coverage.services import coverage_snapshots_refresh
from kizuna.apps.customers.services import account_refresh_mrr
from kizuna.apps.health.tasks import refresh_scores as refresh_health_scores
from kizuna.apps.onboarding.services import onboardings_evaluate, onboardings_start
from kizuna.apps.revenue.tasks import refresh_snapshots as refresh_revenue_snapshots
from kizuna.apps.segments.services import segment_exceptions_expire
from kizuna.apps.usage.tasks import refresh_summaries as refresh_usage_summaries


@dataclass(frozen=True)
class DailyJob:
    name: str
    run: Callable[[dt.date], str]


def _refresh_account_mrr(day: dt.date) -> str:
    changed = account_refresh_mrr(account_ids=None, on=day)
    return f"{changed} accounts changed MRR"


def _expire_segment_exceptions(day: dt.date) -> str:
    return f"{segment_exceptions_expire(today=day)} segment exceptions ended"


def _refresh_coverage(day: dt.date) -> str:
    return f"coverage snapshots for {len(coverage_snapshots_refresh(today=day))} days"


def _evaluate_onboardings(day: dt.date) -> str:
    started = onboardings_start(as_of=day)
    r = onboardings_evaluate(as_of=day)
    return (
        f"{started} onboardings started, {r.evaluated} evaluated, {r.criteria_met} criteria met"
        f" from usage, {r.transitions} transitions, {r.signals} signals, {r.handed_off} handed off"
    )


DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("customers.refresh_account_mrr", _refresh_account_mrr),
    DailyJob("segments.expire_exceptions", _expire_segment_exceptions),
    DailyJob("coverage.refresh_snapshots", _refresh_coverage),
    DailyJob("revenue.refresh_snapshots", refresh_revenue_snapshots),
    DailyJob("usage.refresh_summaries", refresh_usage_summaries),
    DailyJob("onboarding.evaluate", _evaluate_onboardings),
    DailyJob("health.refresh_scores", refresh_health_scores),
)
