"""Writing tasks: create (idempotent on ``dedup_key``), snooze, wake, complete, dismiss, reopen,
reassign, comment (docs/tasks.md). Each is one transaction, keyword-only, recorded in the
task's history (``TaskEvent``) and in the audit trail.

``actor`` is the member acting, or None for the system (a rule, the wake-up job). A member is
checked here against ``kizuna.apps.org.access`` (``PermissionDenied``); a wrong state or value
raises ``ValidationError`` with a message in the member's language, keyed by field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.customers.models import Account
from kizuna.apps.notify.events import TASK_COMPLETED, TASK_CREATED, account_ref
from kizuna.apps.notify.services import emit_event
from kizuna.apps.org.access import (
    can_act_on_task,
    can_comment_on_task,
    can_create_task,
    can_own_task,
    can_reassign_task,
)
from kizuna.apps.org.models import User
from kizuna.apps.tasks.messages import message_clean
from kizuna.apps.tasks.models import (
    ACTIVE_STATES,
    Task,
    TaskComment,
    TaskEvent,
    TaskEventKind,
    TaskOrigin,
    TaskOutcome,
    TaskPriority,
    TaskState,
)
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.business_days import add_business_days

#: a task is snoozed for at most this long: a later date is a typing mistake (9999 for 2026)
SNOOZE_MAX_DAYS = 366
#: a due date may lie at most this far ahead (and not before 2000-01-01)
DUE_MAX_DAYS = 3 * 366
EARLIEST_DUE = dt.date(2000, 1, 1)

AUDITED = ["owner", "state", "outcome", "snoozed_until", "due_date", "priority", "title"]


def due_in_business_days(days: int, *, today: dt.date | None = None) -> dt.date:
    """The due date ``days`` business days after the company's today (0: today, or the next
    business day when today is closed); ``core.business_days.add_business_days``, with the
    year-end closure as the company settings say. Raises ``ValidationError`` on ``due_date``
    for a count out of range."""
    start = today or tenant_today()
    closure = tenant_settings_get().year_end_closure
    try:
        return add_business_days(start, days, year_end_closure=closure)
    except ValueError:
        raise ValidationError(
            {"due_date": _("The number of business days must be between 0 and 2000.")},
            code="invalid",
        ) from None


def _check_due_date(due_date: dt.date, today: dt.date) -> None:
    if not EARLIEST_DUE <= due_date <= today + dt.timedelta(days=DUE_MAX_DAYS):
        raise ValidationError(
            {"due_date": _("Give a due date between 2000-01-01 and three years from today.")},
            code="invalid",
        )


def _person(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated


def _record(task: Task, kind: TaskEventKind, actor: User | None, detail: str = "") -> None:
    TaskEvent.objects.create(
        task=task, kind=kind, actor=actor if _person(actor) else None, detail=detail[:300]
    )


def _audit(task: Task, actor: User | None, changes: dict[str, list[object]], via: str) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=task,
        account_id=task.account_id,
        changes=changes,
        via=via,
    )


def _mark_first_action(task: Task, actor: User | None, fields: list[str]) -> None:
    if _person(actor) and task.first_action_at is None:
        task.first_action_at = timezone.now()
        fields.append("first_action_at")


def _refuse_nul(**texts: str) -> None:
    """A NUL character is refused on every database (PostgreSQL cannot store one; SQLite
    would, and the two must agree)."""
    bad = {
        name: _("Null characters are not allowed.")
        for name, text in texts.items()
        if "\x00" in text
    }
    if bad:
        raise ValidationError(bad, code="null_characters_not_allowed")


def _check_evidence_url(url: str) -> None:
    """The evidence link is a page of Kizuna (``/accounts/1/#usage``) or a web address: never
    a ``javascript:`` or ``data:`` link, which the task page would make clickable."""
    if (
        url
        and not (url.startswith("/") and not url.startswith("//"))
        and not url.startswith(("https://", "http://"))
    ):
        raise ValidationError(
            {"evidence_url": _("Give a link to a page of Kizuna (/…) or a web address.")},
            code="invalid",
        )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _active_with_key(dedup_key: str) -> Task | None:
    return Task.objects.filter(dedup_key=dedup_key, state__in=ACTIVE_STATES).first()


@transaction.atomic
def task_create(
    *,
    actor: User | None,
    account: Account,
    owner: User,
    title: str,
    due_date: dt.date,
    reason: str = "",
    reason_message: Mapping[str, Any] | None = None,
    evidence_url: str = "",
    evidence_label: str = "",
    priority: str = TaskPriority.MEDIUM,
    origin: str = TaskOrigin.MANUAL,
    origin_id: int | None = None,
    dedup_key: str = "",
    via: str = "web",
) -> tuple[Task, bool]:
    """A new open task, and True; or, when ``dedup_key`` is not empty and an open or snoozed
    task holds it, that task and False (nothing written). A concurrent create of the same key
    loses at the database's unique constraint, inside a savepoint, and gets the winner's task.

    A member (``actor``) must be allowed to create a task on the account (``can_create_task``)
    and the owner must be able to own one (``can_own_task``).

    ``reason_message`` is the reason un-translated (``tasks.messages.message_of``), shown in
    each reader's language; ``reason`` then keeps it as text (the owner's language), what is
    shown should the message ever fail to render."""
    if _person(actor):
        _require(can_create_task(actor, account))  # type: ignore[arg-type]
    if dedup_key and (existing := _active_with_key(dedup_key)) is not None:
        return existing, False
    if not can_own_task(owner):
        raise ValidationError({"owner": _("This member cannot own tasks.")}, code="invalid")
    _refuse_nul(
        title=title,
        reason=reason,
        evidence_url=evidence_url,
        evidence_label=evidence_label,
        dedup_key=dedup_key,
    )
    _check_evidence_url(evidence_url)
    _check_due_date(due_date, tenant_today())
    try:
        message = message_clean(reason_message)
    except ValidationError as error:
        raise ValidationError({"reason_message": error.messages}, code="invalid") from None
    task = Task(
        account=account,
        owner=owner,
        title=title,
        reason=reason,
        reason_message=message,
        evidence_url=evidence_url,
        evidence_label=evidence_label,
        priority=priority,
        due_date=due_date,
        origin=origin,
        origin_id=origin_id,
        dedup_key=dedup_key,
        created_by=actor if _person(actor) else None,
    )
    task.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            task.save(force_insert=True)
    except IntegrityError:
        existing = _active_with_key(dedup_key) if dedup_key else None
        if existing is None:
            raise
        return existing, False
    _record(task, TaskEventKind.CREATED, actor, task.origin)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=task,
        account_id=task.account_id,
        changes={
            "title": [None, title],
            "owner": [None, str(owner)],
            "due_date": [None, due_date.isoformat()],
            "origin": [None, origin],
        },
        via=via,
    )
    emit_event(event_type=TASK_CREATED, data=task_event_data(task))
    return task, True


def task_event_data(task: Task) -> dict[str, Any]:
    """A task as the ``task.created`` and ``task.completed`` webhooks carry it
    (docs/webhooks.md)."""
    data: dict[str, Any] = {
        "task": {
            "id": task.pk,
            "title": task.title,
            "due_on": task.due_date.isoformat(),
            "priority": task.priority,
            "assignee": {"id": task.owner_id, "username": task.owner.get_username()},
            "origin": task.origin,
            "origin_id": task.origin_id,
        },
        "account": account_ref(task.account),
    }
    if task.state == TaskState.DONE:
        data["task"]["outcome"] = task.outcome
        data["task"]["completed_at"] = task.closed_at.isoformat() if task.closed_at else None
    return data


def _locked(task: Task) -> Task:
    """The task's row, read again under a lock (a concurrent change waits, then sees ours)."""
    return Task.objects.select_for_update().select_related("owner", "account").get(pk=task.pk)


def _require_state(task: Task, states: tuple[str, ...]) -> None:
    if task.state not in states:
        raise ValidationError(
            {
                "state": _("This cannot be done to a task that is %(state)s.")
                % {"state": task.get_state_display()}
            },
            code="invalid_state",
        )


@transaction.atomic
def task_snooze(*, actor: User, task: Task, until: dt.date, via: str = "web") -> Task:
    """Put an open (or snoozed) task aside until ``until``, a day after today and at most
    ``SNOOZE_MAX_DAYS`` ahead; on that day the wake-up job opens it again."""
    task = _locked(task)
    _require(can_act_on_task(actor, task))
    _require_state(task, ACTIVE_STATES)
    today = tenant_today()
    if not today < until <= today + dt.timedelta(days=SNOOZE_MAX_DAYS):
        raise ValidationError(
            {"snoozed_until": _("Snooze until a day after today, at most a year ahead.")},
            code="invalid",
        )
    before = [task.state, task.snoozed_until.isoformat() if task.snoozed_until else None]
    task.state, task.snoozed_until = TaskState.SNOOZED, until
    fields = ["state", "snoozed_until"]
    _mark_first_action(task, actor, fields)
    task.save(update_fields=fields)
    _record(task, TaskEventKind.SNOOZED, actor, until.isoformat())
    _audit(
        task,
        actor,
        {"state": [before[0], task.state], "snoozed_until": [before[1], until.isoformat()]},
        via,
    )
    return task


@transaction.atomic
def tasks_wake(*, today: dt.date) -> int:
    """Open again every snoozed task whose date has come (``snoozed_until ≤ today``); how many.
    Each row is claimed by a conditional update, so two runs never wake one task twice."""
    woken = 0
    for task_id in Task.objects.filter(
        state=TaskState.SNOOZED, snoozed_until__lte=today
    ).values_list("pk", flat=True):
        claimed = Task.objects.filter(pk=task_id, state=TaskState.SNOOZED).update(
            state=TaskState.OPEN, snoozed_until=None
        )
        if claimed:
            TaskEvent.objects.create(task_id=task_id, kind=TaskEventKind.WOKE)
            woken += 1
    return woken


def _close(
    task: Task, actor: User, state: str, outcome: str, kind: TaskEventKind, detail: str, via: str
) -> Task:
    fields = ["state", "outcome", "closed_at", "closed_by", "snoozed_until"]
    before = task.state
    task.state, task.outcome, task.snoozed_until = state, outcome, None
    task.closed_at, task.closed_by = timezone.now(), actor
    _mark_first_action(task, actor, fields)
    task.save(update_fields=fields)
    _record(task, kind, actor, detail)
    _audit(task, actor, {"state": [before, state], "outcome": ["", outcome]}, via)
    return task


@transaction.atomic
def task_complete(
    *, actor: User, task: Task, outcome: str, note: str = "", via: str = "web"
) -> Task:
    """Close an open or snoozed task as done with an outcome (``TaskOutcome``)."""
    task = _locked(task)
    _require(can_act_on_task(actor, task))
    _require_state(task, ACTIVE_STATES)
    if outcome not in TaskOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")}, code="invalid")
    label = str(TaskOutcome(outcome).label)
    task = _close(task, actor, TaskState.DONE, outcome, TaskEventKind.DONE, outcome, via)
    if note.strip():
        _comment(task, actor, note, f"{label}: ")
    emit_event(event_type=TASK_COMPLETED, data=task_event_data(task))
    return task


@transaction.atomic
def task_dismiss(*, actor: User, task: Task, note: str = "", via: str = "web") -> Task:
    """Close an open or snoozed task as not useful (the rule that made it learns from this)."""
    task = _locked(task)
    _require(can_act_on_task(actor, task))
    _require_state(task, ACTIVE_STATES)
    task = _close(task, actor, TaskState.DISMISSED, "", TaskEventKind.DISMISSED, "", via)
    if note.strip():
        _comment(task, actor, note, "")
    return task


@transaction.atomic
def task_reopen(*, actor: User, task: Task, via: str = "web") -> Task:
    """Open a done or dismissed task again (its outcome is cleared). Refused while another
    open task holds its ``dedup_key``."""
    task = _locked(task)
    _require(can_act_on_task(actor, task))
    _require_state(task, (TaskState.DONE, TaskState.DISMISSED))
    if task.dedup_key and _active_with_key(task.dedup_key) is not None:
        raise ValidationError(
            {"state": _("Another open task already covers this; it cannot be reopened.")},
            code="duplicate",
        )
    before = [task.state, task.outcome]
    task.state, task.outcome, task.closed_at, task.closed_by = TaskState.OPEN, "", None, None
    task.save(update_fields=["state", "outcome", "closed_at", "closed_by"])
    _record(task, TaskEventKind.REOPENED, actor)
    _audit(task, actor, {"state": [before[0], task.state], "outcome": [before[1], ""]}, via)
    return task


@transaction.atomic
def task_reassign(*, actor: User, task: Task, owner: User, via: str = "web") -> Task:
    """Give a task to another active member who can own tasks (``can_own_task``)."""
    task = _locked(task)
    _require(can_reassign_task(actor, task))
    if not can_own_task(owner):
        raise ValidationError({"owner": _("This member cannot own tasks.")}, code="invalid")
    if owner.pk == task.owner_id:
        raise ValidationError(
            {"owner": _("The task already belongs to this member.")}, code="invalid"
        )
    before = str(task.owner)
    task.owner = owner
    task.save(update_fields=["owner"])
    _record(task, TaskEventKind.REASSIGNED, actor, f"{before} → {owner}")
    _audit(task, actor, {"owner": [before, str(owner)]}, via)
    return task


def _comment(task: Task, actor: User, body: str, prefix: str) -> TaskComment:
    body = body.strip()
    _refuse_nul(body=body)
    if not body:
        raise ValidationError({"body": _("Write a comment.")}, code="required")
    if len(prefix + body) > 4000:
        raise ValidationError(
            {"body": _("A comment has at most 4000 characters.")}, code="max_length"
        )
    comment = TaskComment.objects.create(task=task, author=actor, body=prefix + body)
    _record(task, TaskEventKind.COMMENTED, actor)
    return comment


@transaction.atomic
def task_comment(*, actor: User, task: Task, body: str, via: str = "web") -> TaskComment:
    """Add a comment to a task (any state)."""
    task = _locked(task)
    _require(can_comment_on_task(actor, task))
    comment = _comment(task, actor, body, "")
    fields: list[str] = []
    _mark_first_action(task, actor, fields)
    if fields:
        task.save(update_fields=fields)
    return comment
