"""REST endpoints for tasks (``/api/v1/…``): list with filters, get, create on an account,
change (state and outcome, snooze, reassign), comments. docs/tasks.md, *API*."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Day, Id, Pages, errors, omittable
from kizuna.apps.customers.access import access_account
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.models import User
from kizuna.apps.tasks import selectors, services
from kizuna.apps.tasks.access import access_task
from kizuna.apps.tasks.models import Task, TaskComment
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.business_days import MAX_BUSINESS_DAYS

router = Router(tags=["tasks"])

State = Literal["open", "snoozed", "done", "dismissed"]
Outcome = Literal["contacted", "saved", "no_risk", "churned_anyway"]
Priority = Literal["high", "medium", "low"]


class TaskReasonMessageOut(Schema):
    msgid: str
    params: dict[str, str | int]


class TaskOut(Schema):
    id: int
    account_id: int
    owner: str = Field(description="username of the member who owns the task")
    title: str
    reason: str = Field(
        description="in the caller's language: a rule's or a playbook's reason rendered from "
        "reason_message, a manual task's own text"
    )
    reason_message: TaskReasonMessageOut | None = Field(
        description="the reason un-translated, when a rule or a playbook wrote it: the "
        "message id (the English source text) and its parameters"
    )
    evidence_url: str
    evidence_label: str = Field(description="in the caller's language, like reason")
    priority: str
    due_date: dt.date
    overdue: bool = Field(description="open and due before the company's today")
    state: str
    snoozed_until: dt.date | None
    outcome: str = Field(description='"" unless done')
    origin: str = Field(description="manual, rule or playbook")
    origin_id: int | None
    created_at: dt.datetime
    first_action_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_owner(obj: Task) -> str:
        return str(obj.owner.username)

    @staticmethod
    def resolve_reason(obj: Task) -> str:
        return obj.reason_shown

    @staticmethod
    def resolve_reason_message(obj: Task) -> dict[str, Any] | None:
        message = obj.reason_message
        if not message or not isinstance(message.get("msgid"), str):
            return None
        return {"msgid": message["msgid"], "params": message.get("params") or {}}

    @staticmethod
    def resolve_evidence_label(obj: Task) -> str:
        return obj.evidence_shown

    @staticmethod
    def resolve_overdue(obj: Task, context: dict[str, Any]) -> bool:
        return obj.state == "open" and obj.due_date < _today(context["request"])


class TaskFilters(Schema):
    state: State | None = None
    owner: str | None = Field(None, max_length=150, description="username")
    account_id: Id | None = None
    overdue: bool | None = None


class TaskIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    reason: str = Field("", max_length=4000)
    priority: Priority = "medium"
    due_date: Day | None = Field(None, description="or give due_in_business_days")
    due_in_business_days: int | None = Field(
        None,
        ge=0,
        le=MAX_BUSINESS_DAYS,
        description="Japanese business days after today (weekends, national holidays and "
        "12/29-1/3 not counted); 0 is today, or the next business day",
    )
    owner: str = omittable(max_length=150, description="username; defaults to the token's user")


class TaskPatch(Schema):
    """One change at a time, or a state with what it needs: ``done`` with an ``outcome``,
    ``snoozed`` with ``snoozed_until``, ``dismissed``, ``open`` (reopen a closed task); or a
    new ``owner`` (reassign)."""

    state: State = omittable()
    outcome: Outcome = omittable(description="with state done")
    snoozed_until: Day = omittable(description="with state snoozed: after today, within a year")
    note: str = omittable(max_length=3900, description="with done or dismissed: kept as a comment")
    owner: str = omittable(max_length=150, description="username of the new owner")


class CommentOut(Schema):
    id: int
    author: str
    body: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: TaskComment) -> str:
        return str(obj.author.username)


class CommentIn(Schema):
    body: str = Field(min_length=1, max_length=4000)


def _today(request: Any) -> dt.date:
    """The company's today, read once per request (a list of 100 tasks asks 100 times)."""
    if not hasattr(request, "_tasks_today"):
        request._tasks_today = tenant_today()
    return request._tasks_today  # type: ignore[no-any-return]


def _member(username: str) -> User:
    member = User.objects.filter(username=username, is_active=True).first()
    if member is None:
        raise ValidationError({"owner": _("Unknown user: %(value)s") % {"value": username}})
    return member


@router.get("/tasks", response={200: list[TaskOut]})
@paginate(Pages, page_size=50)
def list_tasks(request: AuthedRequest, filters: Query[TaskFilters]) -> Any:
    """Every task (every member reads every task, as every account), by due date; filtered by
    state, owner, account and whether it is overdue."""
    return selectors.tasks_filtered(today=_today(request), **filters.dict())


@router.post("/accounts/{account_id}/tasks", response={201: TaskOut, **errors(403, 404)})
def create_task(request: AuthedRequest, account_id: Id, payload: TaskIn) -> Status[Task]:
    """A manual task on an account the token's member may edit."""
    user = request.user
    account = access_account(user, account_id)
    data = payload.dict(exclude_unset=True)
    owner = _member(data["owner"]) if data.get("owner") else user
    if payload.due_date is not None:
        due = payload.due_date
    elif payload.due_in_business_days is not None:
        due = services.due_in_business_days(payload.due_in_business_days)
    else:
        raise ValidationError({"due_date": _("Give a number of business days or a due date.")})
    task, _created = services.task_create(
        actor=user,
        account=account,
        owner=owner,
        title=payload.title,
        reason=payload.reason,
        priority=payload.priority,
        due_date=due,
        via="api",
    )
    return Status(201, access_task(user, task.pk))


@router.get("/tasks/{task_id}", response={200: TaskOut, **errors(404)})
def get_task(request: AuthedRequest, task_id: Id) -> Task:
    return access_task(request.user, task_id)


@router.patch("/tasks/{task_id}", response={200: TaskOut, **errors(403, 404)})
def update_task(request: AuthedRequest, task_id: Id, payload: TaskPatch) -> Task:
    """Close, snooze, reopen or reassign a task. Acting on a task is for its owner, a manager
    of their team or the account's, or an admin (a CSM closes only their own); reassigning is
    for such a manager or an admin (else 403)."""
    user = request.user
    task = access_task(user, task_id)
    with transaction.atomic():  # a reassignment and a state change succeed or fail together
        _apply_patch(user, task, payload.dict(exclude_unset=True))
    return access_task(user, task_id)


def _apply_patch(user: User, task: Task, data: dict[str, Any]) -> None:
    if not data:
        raise ValidationError({"body": _("Name a change: state or owner.")})
    if "owner" in data:
        services.task_reassign(actor=user, task=task, owner=_member(data["owner"]), via="api")
    state = data.get("state")
    if state is None and ("outcome" in data or "snoozed_until" in data):
        raise ValidationError({"state": _("Give the state with an outcome or a snooze date.")})
    if state == "done":
        if "outcome" not in data:
            raise ValidationError({"outcome": _("Choose an outcome.")})
        services.task_complete(
            actor=user, task=task, outcome=data["outcome"], note=data.get("note", ""), via="api"
        )
    elif state == "snoozed":
        if "snoozed_until" not in data:
            raise ValidationError({"snoozed_until": _("Give the day to snooze until.")})
        services.task_snooze(actor=user, task=task, until=data["snoozed_until"], via="api")
    elif state == "dismissed":
        services.task_dismiss(actor=user, task=task, note=data.get("note", ""), via="api")
    elif state == "open":
        services.task_reopen(actor=user, task=task, via="api")


@router.get("/tasks/{task_id}/comments", response={200: list[CommentOut], **errors(404)})
def list_comments(request: AuthedRequest, task_id: Id) -> Any:
    return access_task(request.user, task_id).comments.select_related("author")


@router.post("/tasks/{task_id}/comments", response={201: CommentOut, **errors(403, 404)})
def add_comment(request: AuthedRequest, task_id: Id, payload: CommentIn) -> Status[TaskComment]:
    task = access_task(request.user, task_id)
    comment = services.task_comment(actor=request.user, task=task, body=payload.body, via="api")
    return Status(201, comment)
