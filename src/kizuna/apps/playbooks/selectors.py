"""Reading playbooks and their runs: the steps, each run's progress from its tasks' states
(``core.playbooks.progress``), an account's next renewal date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.playbooks.models import Playbook, PlaybookRun, PlaybookRunStep, RunState
from kizuna.apps.tasks.models import ACTIVE_STATES
from kizuna.core.playbooks import Progress, StepState, progress


def playbooks_list(*, active_only: bool = False) -> QuerySet[Playbook]:
    playbooks = Playbook.objects.prefetch_related("steps")
    return playbooks.filter(active=True) if active_only else playbooks


def account_next_renewal(account: Account, *, today: dt.date) -> dt.date | None:
    """The earliest renewal date on or after ``today`` of the account's lines still running
    that day, or None."""
    return (
        SubscriptionLine.objects.filter(account=account, renewal_date__gte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=today))
        .order_by("renewal_date")
        .values_list("renewal_date", flat=True)
        .first()
    )


@dataclass(frozen=True)
class RunRow:
    run: PlaybookRun
    steps: list[PlaybookRunStep]
    progress: Progress

    @property
    def next_step(self) -> PlaybookRunStep | None:
        if self.progress.next_step is None:
            return None
        order = self.progress.next_step.order
        return next(s for s in self.steps if s.order == order)


def run_progress(steps: list[PlaybookRunStep], *, today: dt.date) -> Progress:
    return progress(
        (
            StepState(s.order, s.task.due_date, closed=s.task.state not in ACTIVE_STATES)
            for s in steps
        ),
        today=today,
    )


def runs_with_progress(runs: QuerySet[PlaybookRun], *, today: dt.date) -> list[RunRow]:
    """Each run with its steps (and their tasks) and its progress; a step is due on its
    task's due date (the task may have been rescheduled since the run started)."""
    rows = []
    for run in runs.select_related("playbook", "account", "started_by").prefetch_related(
        "steps__task__owner"
    ):
        steps = list(run.steps.all())
        rows.append(RunRow(run, steps, run_progress(steps, today=today)))
    return rows


def playbook_runs(playbook: Playbook, *, state: str | None = None) -> QuerySet[PlaybookRun]:
    runs = playbook.runs.all()
    return runs.filter(state=state) if state else runs


def running_run(playbook: Playbook, account: Account) -> PlaybookRun | None:
    return PlaybookRun.objects.filter(
        playbook=playbook, account=account, state=RunState.RUNNING
    ).first()
