"""The rules app's periodic jobs (``SCHEDULE``, run by ``kizuna.apps.jobs``):

- ``rules.evaluate``, every business day after the jobs that make the signals (onboarding
  states, usage summaries and drops, health scores, coverage, MRR): the day's evaluation, then
  its firings carried out;
- ``rules.reevaluate``, every minute when a signal came since the day's evaluation (a usage
  drop, a rescore, an onboarding transition, a detractor's follow-up opened): the day
  evaluated again (what already fired stays, what is new fires) and carried out;
- ``rules.act_pending``, every minute while firings wait to be carried out (a run killed
  half-way, a firing that failed): they are;
- ``rules.morning_digest``, every minute on a business day from the digest time
  (``AlertSettings.digest_time``, company time) while an opted-in member has no digest for
  the day: each gets theirs (``rules.digest``), once.
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from kizuna.apps.health.models import HealthScore
from kizuna.apps.onboarding.models import OnboardingTransition
from kizuna.apps.rules.digest import digest_due, digests_send
from kizuna.apps.rules.evaluation import firings_act, rules_evaluate
from kizuna.apps.rules.models import EvaluationRun, Firing
from kizuna.apps.surveys.models import DetractorFollowUp
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.usage.models import UsageDropSignal
from kizuna.core.schedule import daily, every_minute


def _report(day: dt.date) -> str:
    run = rules_evaluate(day=day)
    acted, failed = firings_act()
    return f"{run.firings} firing(s) on {day}, {acted} acted on, {failed} failed"


@task
def evaluate(day: str) -> str:
    """Evaluate the enabled rules on ``day`` (ISO) and carry out what fired."""
    return _report(dt.date.fromisoformat(day))


@task
def reevaluate(day: str) -> str:
    """Evaluate today again after new signals, and carry out what is new."""
    return _report(tenant_today())


@task
def act_pending(day: str) -> str:
    acted, failed = firings_act()
    return f"{acted} firing(s) acted on, {failed} failed"


@task
def morning_digest(day: str) -> str:
    """Today's morning digest for each opted-in member who has not had it."""
    sent, empty = digests_send(now=timezone.now())
    return f"{sent} digest(s) sent, {empty} empty"


def is_digest_time() -> bool:
    return digest_due(now=timezone.now())


def has_new_signals() -> bool:
    """A signal came after today's evaluation finished (none before it ran: the daily job
    goes first)."""
    run = EvaluationRun.objects.filter(day=tenant_today()).first()
    if run is None or run.finished_at is None:
        return False
    since = run.finished_at
    return (
        UsageDropSignal.objects.filter(created_at__gt=since).exists()
        or HealthScore.objects.filter(scored_at__gt=since).exists()
        or OnboardingTransition.objects.filter(recorded_at__gt=since).exists()
        or DetractorFollowUp.objects.filter(created_at__gt=since).exists()
    )


def has_pending_firings() -> bool:
    return Firing.objects.filter(acted_at__isnull=True).exists()


SCHEDULE = (
    daily(
        "rules.evaluate",
        evaluate,
        after=(
            "onboarding.evaluate",  # onboarding states and setup
            "usage.refresh_summaries",  # usage drops
            "health.refresh_scores",  # grades and red
            "coverage.refresh_snapshots",  # who falls out of coverage
            "customers.refresh_account_mrr",  # MRR (filters) and contraction
            "renewals.refresh",  # renewals due, plans missing or overdue
            "tasks.wake_snoozed",  # a woken task holds its rule's key again
        ),
    ),
    every_minute("rules.reevaluate", reevaluate, after=("rules.evaluate",), when=has_new_signals),
    every_minute(
        "rules.act_pending", act_pending, after=("rules.evaluate",), when=has_pending_firings
    ),
    every_minute(
        "rules.morning_digest",
        morning_digest,
        after=("rules.evaluate", "rules.act_pending"),
        when=is_digest_time,
    ),
)
