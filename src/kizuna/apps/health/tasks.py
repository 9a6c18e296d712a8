"""The health app's periodic jobs (``SCHEDULE``, run by ``kizuna.apps.jobs``): every account
scored each day; accounts whose inputs changed rescored within a minute; each score model in
use backtested each day (its page reads the stored result)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.customers.models import Account
from kizuna.apps.health.services import (
    health_backtests_store,
    health_scores_refresh,
    health_scores_rescore_marked,
    score_models_ensure_defaults,
)
from kizuna.core.schedule import daily, every_minute


@task
def refresh_scores(day: str) -> str:
    """Score every active account for ``day`` (ISO date; replacing that day's scores only)."""
    score_models_ensure_defaults()
    return f"health scores for {health_scores_refresh(day=dt.date.fromisoformat(day))} accounts"


@task
def rescore_marked(day: str) -> str:
    """Rescore the accounts whose inputs changed (a touchpoint logged, edited, deleted or
    imported, a sentiment recorded) since their score of ``day`` (ISO date, today). The
    report is empty when none was rescored."""
    rescored = health_scores_rescore_marked(today=dt.date.fromisoformat(day))
    return f"{rescored} accounts rescored" if rescored else ""


@task
def backtest_models(day: str) -> str:
    """Backtest every score model version in use (published and drafts) with the data known
    on ``day`` (ISO date) and store the results, which the model pages read."""
    stored = health_backtests_store(today=dt.date.fromisoformat(day))
    return f"backtests of {stored} score model versions"


def has_marked_accounts() -> bool:
    return Account.objects.filter(health_stale_since__isnull=False).exists()


SCHEDULE = (
    daily(
        "health.refresh_scores",
        refresh_scores,
        after=(
            "segments.expire_exceptions",  # the account's segment chooses its score model
            "usage.refresh_summaries",  # usage inputs read the rolled-up usage days
            "onboarding.evaluate",  # its transitions and phase changes are inputs
        ),
    ),
    # after the scores: the pages need today's scores first; the backtest reads the same
    # inputs (usage summaries, onboarding states) but not the scores
    daily("health.backtest_models", backtest_models, after=("health.refresh_scores",)),
    every_minute(
        "health.rescore_marked",
        rescore_marked,
        # today's scores exist first (a few accounts scored alone would make today look like
        # a day with almost no scores), and the minute's usage is rolled up
        after=("health.refresh_scores", "usage.rollup_pending"),
        when=has_marked_accounts,
    ),
)
