"""The surveys app's jobs (``SCHEDULE``, run by ``kizuna.apps.jobs``): each day, create the
day's invitations and send those already due; every minute while something waits, send what
quiet hours held back, remind once, and expire the links whose time is up; and while a
detractor's answer waits for its follow-up or a new follow-up's first contact came, open or
mark it (``surveys.followups``). docs/surveys.md."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.tasks import task
from django.utils import timezone

from kizuna.apps.surveys.followups import (
    followups_missing,
    followups_sync,
    followups_waiting_contact,
)
from kizuna.apps.surveys.models import DetractorFollowUp, InvitationStatus, SurveyInvitation
from kizuna.apps.surveys.services import (
    invitations_create,
    invitations_send_due,
    program_defaults_ensure,
)
from kizuna.apps.tasks.models import Task, TaskOutcome
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.schedule import daily, every_minute
from kizuna.core.touchpoints import HUMAN_KINDS


@task
def invite(day: str) -> str:
    """Create the invitations due on ``day`` (ISO) and send those due now."""
    program_defaults_ensure()
    created = invitations_create(today=dt.date.fromisoformat(day))
    sent = invitations_send_due()
    return f"{created.line()}; {sent.line()}"


def has_waiting() -> bool:
    """Anything to do: a scheduled invitation now due, a link whose time is up, or a sent one
    old enough for a reminder (no program reminds sooner than a day)."""
    now = timezone.now()
    sent = Q(status=InvitationStatus.SENT)
    due = (
        Q(status=InvitationStatus.SCHEDULED, send_after__lte=now)
        | (sent & Q(expires_at__lte=now))
        | (sent & Q(reminded_at__isnull=True, sent_at__lte=now - dt.timedelta(days=1)))
    )
    return SurveyInvitation.objects.filter(due).exists()


@task
def send_due(day: str) -> str:
    """Send, remind and expire (``day``: the business day it runs on, unused)."""
    return invitations_send_due().line()


def has_followup_work() -> bool:
    """A detractor's answer without its follow-up, or a new follow-up whose first contact
    came (a human touchpoint after the answer, or its task closed as contacted)."""
    if followups_missing().exists():
        return True
    now = timezone.now()
    touched = Touchpoint.objects.filter(
        account_id=OuterRef("account_id"),
        occurred_at__gt=OuterRef("answered_at"),
        occurred_at__lte=now,
        kind__in=sorted(HUMAN_KINDS),
    )
    task_done = Task.objects.filter(pk=OuterRef("task_id"), outcome=TaskOutcome.CONTACTED)
    return (
        DetractorFollowUp.objects.filter(followups_waiting_contact())
        .filter(Exists(touched) | Exists(task_done))
        .exists()
    )


@task
def followups(day: str) -> str:
    """Open the missing detractor follow-ups and mark the contacted ones (``day`` unused)."""
    opened, contacted = followups_sync()
    return f"{opened} follow-up(s) opened, {contacted} marked contacted"


# after the lines' day (customers), the onboarding states (completion days) and the snoozed
# tasks; before the rules, which will read the answers
SCHEDULE = (
    daily(
        "surveys.invite",
        invite,
        after=("customers.refresh_account_mrr", "onboarding.evaluate"),
    ),
    every_minute("surveys.send_due", send_due, after=("surveys.invite",), when=has_waiting),
    every_minute("surveys.followups", followups, after=("surveys.invite",), when=has_followup_work),
)
