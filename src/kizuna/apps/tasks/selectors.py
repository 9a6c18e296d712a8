"""Reading tasks for the pages and the API: a member's inbox, the 今日 section, a team's
summary, an account's open tasks, the API's filtered list (docs/tasks.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from kizuna.apps.org.access import WorkScope
from kizuna.apps.org.models import User
from kizuna.apps.tasks.models import ACTIVE_STATES, Task, TaskOutcome, TaskState


def _with_relations(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("account", "owner")


def _urgent_first(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """By due date (so the overdue lead, then today's, then the rest), then priority."""
    priority = Case(
        When(priority="high", then=Value(0)),
        When(priority="medium", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return tasks.order_by("due_date", priority, "id")


def tasks_inbox(*, member: User, state: str | None = None) -> QuerySet[Task]:
    """``member``'s tasks: open and snoozed by default, or those in ``state``; the earliest
    due first (so the overdue ones lead)."""
    tasks = Task.objects.filter(owner=member)
    tasks = tasks.filter(state=state) if state else tasks.filter(state__in=ACTIVE_STATES)
    return _urgent_first(_with_relations(tasks))


def tasks_for_today(*, member: User, limit: int = 20) -> list[Task]:
    """今日's "my tasks": ``member``'s open tasks due today or earlier, then the next ones due,
    at most ``limit``."""
    tasks = Task.objects.filter(owner=member, state=TaskState.OPEN)
    return list(_urgent_first(_with_relations(tasks))[:limit])


def tasks_of_account(*, account_id: int) -> QuerySet[Task]:
    """The account's open and snoozed tasks, the earliest due first."""
    return _with_relations(
        Task.objects.filter(account_id=account_id, state__in=ACTIVE_STATES)
    ).order_by("due_date", "id")


@dataclass(frozen=True)
class MemberTaskLoad:
    """One member's line of the team view: open tasks, of which overdue, and snoozed."""

    member: User
    open: int
    overdue: int
    snoozed: int


def tasks_team_load(*, scope: WorkScope, today: dt.date) -> list[MemberTaskLoad]:
    """The open, overdue and snoozed counts of each member in ``scope`` (a team's members, or
    everyone's when no team is named) who holds at least one open or snoozed task; the most
    overdue first."""
    members = User.objects.filter(is_active=True)
    if scope.team_id is not None:
        members = members.filter(team_id=scope.team_id)
    elif scope.member is not None:
        members = members.filter(pk=scope.member.pk)
    counted = members.annotate(
        open_count=Count("tasks", filter=Q(tasks__state=TaskState.OPEN)),
        overdue_count=Count(
            "tasks", filter=Q(tasks__state=TaskState.OPEN, tasks__due_date__lt=today)
        ),
        snoozed_count=Count("tasks", filter=Q(tasks__state=TaskState.SNOOZED)),
    ).filter(Q(open_count__gt=0) | Q(snoozed_count__gt=0))
    return [
        MemberTaskLoad(m, m.open_count, m.overdue_count, m.snoozed_count)
        for m in counted.order_by("-overdue_count", "-open_count", "username")
    ]


def tasks_overdue_in_scope(*, scope: WorkScope, today: dt.date) -> QuerySet[Task]:
    """The overdue open tasks of the members in ``scope``, the oldest due first."""
    tasks = Task.objects.filter(state=TaskState.OPEN, due_date__lt=today)
    if scope.team_id is not None:
        tasks = tasks.filter(owner__team_id=scope.team_id)
    elif scope.member is not None:
        tasks = tasks.filter(owner=scope.member)
    return _with_relations(tasks).order_by("due_date", "id")


def tasks_filtered(
    *,
    today: dt.date,
    state: str | None = None,
    owner: str | None = None,
    account_id: int | None = None,
    overdue: bool | None = None,
) -> QuerySet[Task]:
    """The API's list: every task, narrowed by state, owner (username), account and whether
    it is overdue (open and due before today); by due date, then id."""
    tasks = Task.objects.all()
    if state:
        tasks = tasks.filter(state=state)
    if owner:
        tasks = tasks.filter(owner__username=owner)
    if account_id is not None:
        tasks = tasks.filter(account_id=account_id)
    if overdue is True:
        tasks = tasks.filter(state=TaskState.OPEN, due_date__lt=today)
    elif overdue is False:
        tasks = tasks.exclude(state=TaskState.OPEN, due_date__lt=today)
    return _with_relations(tasks).order_by("due_date", "id")


def tasks_saved_between(*, start: dt.datetime, end: dt.datetime) -> QuerySet[Task]:
    """Tasks closed as done with the outcome "saved" from ``start`` (inclusive) to ``end``
    (exclusive), aware instants: the saves the monthly report lists (docs/monthly-report.md).
    Largest account MRR first, then the latest closed."""
    return _with_relations(
        Task.objects.filter(
            state=TaskState.DONE,
            outcome=TaskOutcome.SAVED,
            closed_at__gte=start,
            closed_at__lt=end,
        )
    ).order_by("-account__mrr", "-closed_at", "id")
