"""REST endpoints of onboarding: list and read onboardings, tick criteria, completion KPIs."""

import dataclasses
import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kizuna.apps.api.schemas import Day, Offset, errors
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.onboarding import selectors
from kizuna.apps.onboarding.models import Onboarding, OnboardingCriterion
from kizuna.apps.onboarding.services import criterion_tick, criterion_untick
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import month_start_before
from kizuna.core.onboarding import kpis

router = Router(tags=["onboarding"])


class OnboardingFields(Schema):
    id: int
    account_id: int
    product: str
    template_version: int
    state: str
    state_since: dt.date
    started_on: dt.date
    target_on: dt.date
    current_phase: str | None
    current_target_on: dt.date | None
    completed_on: dt.date | None
    stalled_on: dt.date | None
    expected_churn_on: dt.date | None


class OnboardingOut(OnboardingFields):
    @staticmethod
    def resolve_product(obj: Onboarding) -> str:
        return obj.product.code

    @staticmethod
    def resolve_template_version(obj: Onboarding) -> int:
        return obj.template.version

    @staticmethod
    def resolve_current_phase(obj: Onboarding) -> str | None:
        return obj.current_phase.name if obj.current_phase else None


class CriterionOut(Schema):
    id: int
    label: str
    kind: str
    met_on: dt.date | None
    source: str | None


class PhaseOut(Schema):
    name: str
    target_on: dt.date
    done_on: dt.date | None
    criteria: list[CriterionOut]


class TransitionOut(Schema):
    on: dt.date
    from_state: str
    to_state: str
    reason: str = Field(description="a code: handed_over, phase_overdue, caught_up, …")
    reason_text: str = Field(description="the reason in the caller's language")
    details: dict[str, Any]


class OnboardingDetailOut(OnboardingFields):
    phases: list[PhaseOut]
    transitions: list[TransitionOut]


class OnboardingQuery(Schema):
    state: Literal[
        "in_progress", "stalled", "expected_churn", "completed", "revived", "churned", ""
    ] = ""
    product: str = ""
    csm: str = ""
    limit: int = Field(100, ge=1, le=1000)
    offset: Offset = 0


class TickIn(Schema):
    met_on: Day | None = Field(None, description="default: today in the company time zone")


class CompletionOut(Schema):
    value: str | None
    first_month: dt.date
    last_month: dt.date
    cohort_size: int
    completed_on_time: int
    completion_rate: float | None
    target: float
    meets_target: bool | None


class CompletionQuery(Schema):
    by: Literal["product", "segment", "team", "csm", ""] = ""
    first_month: Day | None = Field(None, description="any day of the month")
    last_month: Day | None = Field(None, description="any day of the month, not before first_month")


@router.get("/onboardings", response=list[OnboardingOut], summary="Onboardings")
def list_onboardings(request: AuthedRequest, query: Query[OnboardingQuery]) -> Any:
    rows = Onboarding.objects.select_related("product", "template", "current_phase").order_by("id")
    if query.state:
        rows = rows.filter(state=query.state)
    if query.product:
        rows = rows.filter(product__code=query.product)
    if query.csm:
        rows = rows.filter(account__owner__username=query.csm)
    return rows[query.offset : query.offset + query.limit]


def _detail(onboarding: Onboarding) -> dict[str, Any]:
    data = selectors.onboarding_detail(onboarding=onboarding)
    return {
        **_summary(onboarding),
        "phases": [
            {
                "name": p.phase.name,
                "target_on": p.target_on,
                "done_on": p.done_on,
                "criteria": [
                    {
                        "id": c.pk,
                        "label": c.label,
                        "kind": c.kind,
                        "met_on": check.met_on if check else None,
                        "source": check.source if check else None,
                    }
                    for c, check in p.criteria
                ],
            }
            for p in data.phases
        ],
        "transitions": [
            {
                "on": item.transition.on,
                "from_state": item.transition.from_state,
                "to_state": item.transition.to_state,
                "reason": item.transition.reason,
                "reason_text": item.text,
                "details": item.transition.details,
            }
            for item in data.transitions
        ],
    }


def _summary(o: Onboarding) -> dict[str, Any]:
    fields = [name for name in OnboardingFields.model_fields if name != "id"]
    values = {
        name: getattr(o, name)
        for name in fields
        if not name.startswith(("product", "template", "current_phase"))
    }
    return {
        **values,
        "id": o.pk,
        "product": o.product.code,
        "template_version": o.template.version,
        "current_phase": o.current_phase.name if o.current_phase else None,
    }


def _onboarding(pk: int) -> Onboarding:
    return get_object_or_404(
        Onboarding.objects.select_related(
            "account", "account__owner", "product", "template", "current_phase"
        ),
        pk=pk,
    )


@router.get(
    "/onboardings/{pk}",
    response={200: OnboardingDetailOut, **errors(404)},
    summary="One onboarding",
)
def get_onboarding(request: AuthedRequest, pk: int) -> dict[str, Any]:
    return _detail(_onboarding(pk))


def _criterion(onboarding: Onboarding, criterion_id: int) -> OnboardingCriterion:
    return get_object_or_404(
        OnboardingCriterion, pk=criterion_id, phase__template_id=onboarding.template_id
    )


@router.post(
    "/onboardings/{pk}/criteria/{criterion_id}",
    response={201: OnboardingDetailOut, **errors(403, 404)},
    summary="Mark a manual criterion as met",
)
def tick_criterion(request: AuthedRequest, pk: int, criterion_id: int, body: TickIn) -> Any:
    onboarding = _onboarding(pk)
    criterion = _criterion(onboarding, criterion_id)
    criterion_tick(
        actor=request.user, onboarding=onboarding, criterion=criterion, met_on=body.met_on
    )
    return Status(201, _detail(_onboarding(pk)))


@router.delete(
    "/onboardings/{pk}/criteria/{criterion_id}",
    response={204: None, **errors(403, 404)},
    summary="Take a manual tick back",
)
def untick_criterion(request: AuthedRequest, pk: int, criterion_id: int) -> Any:
    onboarding = _onboarding(pk)
    criterion_untick(
        actor=request.user, onboarding=onboarding, criterion=_criterion(onboarding, criterion_id)
    )
    return Status(204, None)


@router.get(
    "/onboarding/completion",
    response=list[CompletionOut],
    summary="Onboarding completion rate within the period",
)
def get_onboarding_completion(
    request: AuthedRequest, query: Query[CompletionQuery]
) -> list[dict[str, Any]]:
    """Completed on or before the target date ÷ onboardings whose target date fell in the
    months ``first_month`` … ``last_month`` (default: the last three full months)."""
    today = tenant_today()
    last = query.last_month or month_start_before(today, 1)
    first = query.first_month or month_start_before(last, 2)
    if first.replace(day=1) > last.replace(day=1):
        raise ValidationError({"first_month": _("The first month must not be after the last.")})
    policy = selectors.onboarding_policy()
    rows = kpis.period_completion(
        selectors.kpi_frame(as_of=today, dimensions=(query.by,) if query.by else ()),
        as_of=today,
        first_month=first.replace(day=1),
        last_month=last.replace(day=1),
        by=query.by or None,
        target=policy.completion_target,
    )
    return [dataclasses.asdict(r) for r in rows]
