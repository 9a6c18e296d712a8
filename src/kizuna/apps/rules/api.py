"""REST endpoints of the rules: list and read them with their versions and preview (every
member); create, edit (a new version), enable and disable them (CS ops admins; 403 otherwise)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from kizuna.apps.api.schemas import Id, errors
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_view_rules, require_rules_edit
from kizuna.apps.rules import selectors, services
from kizuna.apps.rules.models import Rule, RuleVersion
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.rules.preview import Preview

router = Router(tags=["rules"])

BIG = services.BIG
TriggerCode = Literal[
    "onboarding_stalled",
    "onboarding_expected_churn",
    "setup_not_done",
    "usage_drop",
    "health_fell",
    "health_red",
    "coverage_due",
    "mrr_contraction",
    "renewal_due",
    "renewal_plan_missing",
    "plan_review_overdue",
    "nps_detractor",
]
SegmentCode = Literal["high", "low", "tech", "community"]
ActionCode = Literal["task", "notify", "webhook", "playbook"]
Code = Annotated[str, Field(min_length=1, max_length=50)]
Amount = Annotated[int, Field(ge=0, le=BIG)]


class AlertRuleVersionIn(Schema):
    trigger: TriggerCode
    threshold: Amount | None = Field(
        None,
        description=(
            "only for setup_not_done, coverage_due, renewal_due, renewal_plan_missing, "
            "plan_review_overdue (days, 0–3650), health_fell "
            "(grades fallen, 1–4), mrr_contraction (minor units a month), nps_detractor "
            "(the highest score, 0–6); null: any value"
        ),
    )
    segments: list[SegmentCode] = Field([], max_length=4)
    products: list[Code] = Field([], max_length=200, description="product codes")
    teams: list[Code] = Field([], max_length=200, description="team codes")
    grades: list[Annotated[int, Field(ge=1, le=5)]] = Field([], max_length=5)
    mrr_min: Amount | None = None
    mrr_max: Amount | None = None
    actions: list[ActionCode] = Field(["task", "notify"], min_length=1, max_length=4)
    playbook_id: Annotated[int, Field(ge=1, le=BIG)] | None = Field(
        None,
        description=(
            "the playbook the action `playbook` starts on the account (active); "
            "required with that action, refused without it"
        ),
    )
    priority: Annotated[int, Field(ge=1, le=3, description="3 high, 2 medium, 1 low")] = 2
    cooldown_days: Annotated[int, Field(ge=0, le=3650)] = 14
    due_in_business_days: Annotated[int, Field(ge=0, le=250)] = 2


class AlertRuleIn(AlertRuleVersionIn):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    note: Annotated[str, Field(max_length=500)] = ""


class AlertRuleVersionOut(Schema):
    version: int
    trigger: str
    threshold: int | None
    segments: list[str]
    products: list[str]
    teams: list[str]
    grades: list[int]
    mrr_min: int | None
    mrr_max: int | None
    actions: list[str]
    playbook_id: int | None = Field(description="the playbook the action `playbook` starts")
    playbook_name: str | None = None
    priority: int
    cooldown_days: int
    due_in_business_days: int
    note: str
    created_at: dt.datetime | None
    created_by: str | None = Field(description="username of who saved it")

    @staticmethod
    def resolve_created_by(obj: RuleVersion) -> str | None:
        return obj.created_by.username if obj.created_by else None

    @staticmethod
    def resolve_playbook_name(obj: RuleVersion) -> str | None:
        return obj.playbook.name if obj.playbook is not None else None


class AlertRuleOut(Schema):
    id: int
    name: str
    enabled: bool
    created_at: dt.datetime
    current: AlertRuleVersionOut | None = Field(
        description="the latest version: what the rule does"
    )


class AlertRuleDetailOut(AlertRuleOut):
    versions: list[AlertRuleVersionOut] = Field(description="every version, newest first")


class AlertRulePreviewWeekOut(Schema):
    start: dt.date
    end: dt.date
    tasks: int
    alerts: int


class AlertRulePreviewOut(Schema):
    matching_today: list[int] = Field(description="ids of the accounts the rule matches today")
    weeks: list[AlertRulePreviewWeekOut] = Field(
        description="the 12 weeks ending today, oldest first"
    )


def _rule_out(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "enabled": rule.enabled,
        "created_at": rule.created_at,
        "current": selectors.rule_current_version(rule),
    }


def _preview_out(result: Preview) -> dict[str, Any]:
    return {"matching_today": result.matching_today, "weeks": result.weeks}


def _version_data(payload: AlertRuleVersionIn) -> dict[str, Any]:
    """The body as ``services.rule_data_clean`` takes it (the playbook by its id)."""
    data = payload.dict(exclude={"name", "note", "playbook_id"})
    return {**data, "playbook": payload.playbook_id}


def _viewable(request: AuthedRequest) -> None:
    if not can_view_rules(request.user):
        raise PermissionDenied


@router.get("/rules", response=list[AlertRuleOut], summary="Rules with their current version")
def list_rules(request: AuthedRequest) -> Any:
    _viewable(request)
    return [{**_rule_out(row.rule), "current": row.current} for row in selectors.rules_list()]


@router.post(
    "/rules/preview", response={200: AlertRulePreviewOut}, summary="Preview an unsaved rule"
)
def preview_draft(request: AuthedRequest, payload: AlertRuleVersionIn) -> Any:
    """What a rule with this body would match and do, saving nothing."""
    _viewable(request)
    cleaned = services.rule_data_clean(_version_data(payload))
    draft = RuleVersion(version=0, **cleaned)
    return _preview_out(selectors.rule_preview(draft, today=tenant_today()))


@router.get("/rules/{rule_id}", response={200: AlertRuleDetailOut, **errors(404)})
def get_rule(request: AuthedRequest, rule_id: Id) -> Any:
    """A rule with every version, newest first."""
    _viewable(request)
    rule = get_object_or_404(Rule, pk=rule_id)
    return {**_rule_out(rule), "versions": list(selectors.rule_versions(rule))}


@router.post(
    "/rules", response={201: AlertRuleOut, **errors(403)}, summary="Create a rule (admins)"
)
def create_rule(request: AuthedRequest, payload: AlertRuleIn) -> Status[dict[str, Any]]:
    """A new rule, disabled, with its version 1."""
    require_rules_edit(request.user)
    rule = services.rule_create(
        actor=request.user,
        name=payload.name,
        data=_version_data(payload),
        note=payload.note,
        via="api",
    )
    return Status(201, _rule_out(rule))


@router.put(
    "/rules/{rule_id}",
    response={200: AlertRuleOut, **errors(403, 404)},
    summary="Edit a rule (admins)",
)
def update_rule(request: AuthedRequest, rule_id: Id, payload: AlertRuleIn) -> Any:
    """Saves the body as the rule's next version (and renames it), unless it says what the
    current version says: then nothing changes."""
    require_rules_edit(request.user)
    rule = get_object_or_404(Rule, pk=rule_id)
    services.rule_update(
        actor=request.user,
        rule=rule,
        data=_version_data(payload),
        note=payload.note,
        name=payload.name,
        via="api",
    )
    return _rule_out(rule)


@router.post("/rules/{rule_id}/enable", response={200: AlertRuleOut, **errors(403, 404)})
def enable_rule(request: AuthedRequest, rule_id: Id) -> Any:
    """Let the daily evaluation run the rule (admins)."""
    require_rules_edit(request.user)
    rule = get_object_or_404(Rule, pk=rule_id)
    return _rule_out(services.rule_enable(actor=request.user, rule=rule, via="api"))


@router.post("/rules/{rule_id}/disable", response={200: AlertRuleOut, **errors(403, 404)})
def disable_rule(request: AuthedRequest, rule_id: Id) -> Any:
    """Stop running the rule (admins)."""
    require_rules_edit(request.user)
    rule = get_object_or_404(Rule, pk=rule_id)
    return _rule_out(services.rule_disable(actor=request.user, rule=rule, via="api"))


@router.get("/rules/{rule_id}/preview", response={200: AlertRulePreviewOut, **errors(404)})
def preview_rule(request: AuthedRequest, rule_id: Id) -> Any:
    """What the rule's current version matches today and would have done in each of the last
    12 weeks (replayed from history)."""
    _viewable(request)
    rule = get_object_or_404(Rule, pk=rule_id)
    current = selectors.rule_current_version(rule)
    if current is None:
        raise Http404
    return _preview_out(selectors.rule_preview(current, today=tenant_today()))
