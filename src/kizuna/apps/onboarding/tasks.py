"""The onboarding app's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.onboarding.services import onboardings_evaluate, onboardings_start
from kizuna.core.schedule import daily


@task
def evaluate(day: str) -> str:
    """Start the onboardings of new lines, then evaluate every open one as of ``day`` (ISO
    date): criteria met from usage, transitions, signals, the hand-off after completion."""
    as_of = dt.date.fromisoformat(day)
    started = onboardings_start(as_of=as_of)
    r = onboardings_evaluate(as_of=as_of)
    return (
        f"{started} onboardings started, {r.evaluated} evaluated, {r.criteria_met} criteria met"
        f" from usage, {r.transitions} transitions, {r.signals} signals, {r.handed_off} handed off"
    )


SCHEDULE = (
    daily(
        "onboarding.evaluate",
        evaluate,
        after=(
            "segments.expire_exceptions",  # the hand-off reads the account's segment
            "usage.refresh_summaries",  # usage criteria read the rolled-up usage days
            # the day's coverage and revenue snapshots see owners, teams and phases as they
            # were before the day's hand-offs change them
            "coverage.refresh_snapshots",
            "revenue.refresh_snapshots",
        ),
    ),
)
