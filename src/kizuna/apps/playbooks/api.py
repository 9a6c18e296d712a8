"""REST endpoints for playbooks (``/api/v1/…``): list and read playbooks with their steps
(every member); create, replace, activate and deactivate them (admins); start one on an account,
list a playbook's runs with their progress, cancel a run. docs/actions.md, *Playbooks*.

An edit changes the runs started afterwards only: a running run keeps the steps it copied and
the tasks it opened."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Day, Id, Pages, errors
from kizuna.apps.customers.access import access_account
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_run_playbook, can_view_playbooks, require_playbooks_edit
from kizuna.apps.playbooks import selectors, services
from kizuna.apps.playbooks.models import TITLE_LENGTH, Playbook, PlaybookRun
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.playbooks import MAX_OFFSET_DAYS, Progress

router = Router(tags=["playbooks"])

RunStateName = Literal["running", "completed", "cancelled"]
AnchorName = Literal["start", "renewal"]
RoundingName = Literal["auto", "none"]
PriorityName = Literal["high", "medium", "low"]
Title = Annotated[str, Field(max_length=TITLE_LENGTH)]


class StepIn(Schema):
    order: Annotated[int, Field(ge=1, le=999, description="the step's place; unique")]
    title_ja: Title = Field("", description="Japanese title; blank: the English one is used")
    title_en: Title = Field("", description="English title; blank: the Japanese one is used")
    offset_days: Annotated[int, Field(ge=-MAX_OFFSET_DAYS, le=MAX_OFFSET_DAYS)] = Field(
        description="calendar days after the anchor; negative: before it"
    )
    anchor: AnchorName = "start"
    rounding: RoundingName = "auto"
    priority: PriorityName = "medium"


class PlaybookIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=4000)] = ""
    active: bool = Field(True, description="only an active playbook can be started")
    steps: list[StepIn] = Field(
        min_length=1, max_length=services.MAX_STEPS, description="every step, replacing any"
    )


class StepOut(Schema):
    order: int
    title: str = Field(description="in the member's language, else the other one")
    title_ja: str
    title_en: str
    offset_days: int = Field(description="calendar days after the anchor; negative: before it")
    anchor: str = Field(description="start or renewal")
    rounding: str = Field(
        description="auto (a closed day moves to the previous business day before the "
        "renewal, to the next one otherwise) or none"
    )
    priority: str


class PlaybookOut(Schema):
    id: int
    name: str
    description: str
    active: bool
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj: Playbook) -> Any:
        return list(obj.steps.all())


class RunStepOut(Schema):
    order: int
    title: str = Field(description="in the member's language, else the other one")
    title_ja: str
    title_en: str
    task_id: int
    due_date: dt.date
    task_state: str = Field(description="open, snoozed, done or dismissed")


class RunOut(Schema):
    id: int
    playbook_id: int
    account_id: int
    state: str = Field(description="running, completed or cancelled")
    started_on: dt.date
    anchor_date: dt.date | None = Field(description="the renewal date the renewal steps count from")
    started_by: str | None = Field(description="username of the member who started it")
    started_by_rule_id: int | None
    done: int = Field(description="steps whose task is done or dismissed")
    total: int
    overdue: int = Field(description="open steps due before the company's today")
    next_step: RunStepOut | None = Field(description="the open step due first")
    steps: list[RunStepOut]

    @staticmethod
    def resolve_started_by(obj: PlaybookRun) -> str | None:
        return obj.started_by.username if obj.started_by else None

    @staticmethod
    def resolve_steps(obj: PlaybookRun) -> list[dict[str, Any]]:
        return [_step(s) for s in _steps(obj)]

    @staticmethod
    def resolve_done(obj: PlaybookRun, context: dict[str, Any]) -> int:
        return _progress(obj, context).closed

    @staticmethod
    def resolve_total(obj: PlaybookRun, context: dict[str, Any]) -> int:
        return _progress(obj, context).total

    @staticmethod
    def resolve_overdue(obj: PlaybookRun, context: dict[str, Any]) -> int:
        return len(_progress(obj, context).overdue)

    @staticmethod
    def resolve_next_step(obj: PlaybookRun, context: dict[str, Any]) -> dict[str, Any] | None:
        following = _progress(obj, context).next_step
        if following is None:
            return None
        return next(_step(s) for s in _steps(obj) if s.order == following.order)


def _steps(run: PlaybookRun) -> list[Any]:
    if not hasattr(run, "_api_steps"):
        run._api_steps = list(run.steps.select_related("task"))  # type: ignore[attr-defined]
    return run._api_steps  # type: ignore[attr-defined, no-any-return]


def _step(step: Any) -> dict[str, Any]:
    return {
        "order": step.order,
        "title": step.title,
        "title_ja": step.title_ja,
        "title_en": step.title_en,
        "task_id": step.task_id,
        "due_date": step.task.due_date,
        "task_state": step.task.state,
    }


def _today(request: Any) -> dt.date:
    if not hasattr(request, "_playbooks_today"):
        request._playbooks_today = tenant_today()
    return request._playbooks_today  # type: ignore[no-any-return]


def _progress(run: PlaybookRun, context: dict[str, Any]) -> Progress:
    if not hasattr(run, "_api_progress"):
        today = _today(context["request"])
        run._api_progress = selectors.run_progress(_steps(run), today=today)  # type: ignore[attr-defined]
    return run._api_progress  # type: ignore[attr-defined, no-any-return]


class RunFilters(Schema):
    state: RunStateName | None = None
    account_id: Id | None = None


class StartIn(Schema):
    account_id: Id
    anchor_date: Day | None = Field(
        None, description="the renewal date; default: the account's next renewal date"
    )


def _playbook(request: AuthedRequest, playbook_id: int) -> Playbook:
    if not can_view_playbooks(request.user):
        raise PermissionDenied
    playbook = Playbook.objects.filter(pk=playbook_id).first()
    if playbook is None:
        raise Http404
    return playbook


def _run(run_id: int) -> PlaybookRun:
    run = PlaybookRun.objects.select_related("started_by", "account").filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


@router.get("/playbooks", response={200: list[PlaybookOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_playbooks(request: AuthedRequest, active: bool | None = None) -> Any:
    """Every playbook with its steps, by name; ``active=true`` for the ones that can start."""
    if not can_view_playbooks(request.user):
        raise PermissionDenied
    return selectors.playbooks_list(active_only=bool(active))


@router.get("/playbooks/{playbook_id}", response={200: PlaybookOut, **errors(403, 404)})
def get_playbook(request: AuthedRequest, playbook_id: Id) -> Playbook:
    return _playbook(request, playbook_id)


def _edited(playbook: Playbook) -> Playbook:
    return selectors.playbooks_list().get(pk=playbook.pk)


@router.post(
    "/playbooks",
    response={201: PlaybookOut, **errors(403)},
    summary="Create a playbook (admins)",
)
def create_playbook(request: AuthedRequest, payload: PlaybookIn) -> Status[Playbook]:
    """A new playbook with its steps. 400 when two steps share an order or a step has no
    title in either language."""
    require_playbooks_edit(request.user)
    playbook = services.playbook_create(
        actor=request.user,
        name=payload.name,
        description=payload.description,
        active=payload.active,
        steps=[step.dict() for step in payload.steps],
        via="api",
    )
    return Status(201, _edited(playbook))


@router.put(
    "/playbooks/{playbook_id}",
    response={200: PlaybookOut, **errors(403, 404)},
    summary="Replace a playbook and its steps (admins)",
)
def update_playbook(request: AuthedRequest, playbook_id: Id, payload: PlaybookIn) -> Playbook:
    """Replaces the name, description, state and every step. Runs already started keep the
    steps they copied and the tasks they opened; the next run follows the new steps."""
    require_playbooks_edit(request.user)
    playbook = _playbook(request, playbook_id)
    services.playbook_update(
        actor=request.user,
        playbook=playbook,
        name=payload.name,
        description=payload.description,
        active=payload.active,
        steps=[step.dict() for step in payload.steps],
        via="api",
    )
    return _edited(playbook)


def _set_active(request: AuthedRequest, playbook_id: int, active: bool) -> Playbook:
    require_playbooks_edit(request.user)
    playbook = _playbook(request, playbook_id)
    services.playbook_set_active(actor=request.user, playbook=playbook, active=active, via="api")
    return _edited(playbook)


@router.post(
    "/playbooks/{playbook_id}/deactivate",
    response={200: PlaybookOut, **errors(403, 404)},
    summary="Deactivate a playbook (admins)",
)
def deactivate_playbook(request: AuthedRequest, playbook_id: Id) -> Playbook:
    """It can no longer be started, by a member or a rule; its running runs go on."""
    return _set_active(request, playbook_id, False)


@router.post(
    "/playbooks/{playbook_id}/activate",
    response={200: PlaybookOut, **errors(403, 404)},
    summary="Activate a playbook (admins)",
)
def activate_playbook(request: AuthedRequest, playbook_id: Id) -> Playbook:
    return _set_active(request, playbook_id, True)


@router.get("/playbooks/{playbook_id}/runs", response={200: list[RunOut], **errors(403, 404)})
@paginate(Pages, page_size=50)
def list_runs(request: AuthedRequest, playbook_id: Id, filters: Query[RunFilters]) -> Any:
    """The playbook's runs, the latest started first, each with its progress."""
    playbook = _playbook(request, playbook_id)
    runs = selectors.playbook_runs(playbook, state=filters.state).select_related("started_by")
    if filters.account_id is not None:
        runs = runs.filter(account_id=filters.account_id)
    return runs


@router.post(
    "/playbooks/{playbook_id}/runs",
    response={200: RunOut, 201: RunOut, **errors(403, 404)},
)
def start_run(request: AuthedRequest, playbook_id: Id, payload: StartIn) -> Status[PlaybookRun]:
    """Start the playbook on an account the token's member may edit: 201 and the new run, or
    200 and the running one when the playbook already runs on the account. 400 when the
    playbook is inactive or empty, or no renewal date is known for its renewal steps."""
    playbook = _playbook(request, playbook_id)
    account = access_account(request.user, payload.account_id)
    if not can_run_playbook(request.user, account):
        raise PermissionDenied
    run, created = services.playbook_start(
        account=account,
        playbook=playbook,
        by=request.user,
        anchor_date=payload.anchor_date,
        via="api",
    )
    return Status(201 if created else 200, _run(run.pk))


@router.post("/playbook-runs/{run_id}/cancel", response={200: RunOut, **errors(403, 404)})
def cancel_run(request: AuthedRequest, run_id: Id) -> PlaybookRun:
    """Cancel a running run (its open tasks are dismissed); 400 when it is not running."""
    run = _run(run_id)
    services.playbook_run_cancel(actor=request.user, run=run, via="api")
    return _run(run_id)
