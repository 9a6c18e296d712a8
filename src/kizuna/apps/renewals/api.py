"""REST endpoints for renewals (``/api/v1/…``): the pipeline with its filters, one renewal,
its stage and forecast call, its closing plan (read and replace, with steps) and a review's
sign-off. docs/renewals.md. Every member reads; the account's owner, its team's manager and
admins write; managers and admins sign off (``kizuna.apps.org.access``)."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Day, Id, Pages, errors, omittable
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_view_renewals
from kizuna.apps.renewals import selectors, services
from kizuna.apps.renewals.models import ClosingPlan, PlanReview, Renewal
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import add_months, first_of_month

router = Router(tags=["renewals"])

StageName = Literal[
    "not_started", "plan_drafted", "negotiation", "committed", "renewed", "downgraded", "churned"
]
OpenStageName = Literal["not_started", "plan_drafted", "negotiation", "committed"]
CallName = Literal["commit", "likely", "at_risk", "lost", ""]
StatusName = Literal["plan_missing", "review_overdue", "planned", "not_needed", "closed"]
SegmentName = Literal["high", "low", "tech", "community"]


class RenewalOut(Schema):
    id: int
    account_id: int
    account: str
    touch_model: str
    owner: str | None = Field(description="username of the account's owner CSM")
    date: dt.date
    mrr_due: int = Field(description="Σ MRR of the lines due that day (yen)")
    arr_due: int = Field(description="amount at stake: 12 × MRR due")
    mrr_after: int | None = Field(
        description="the MRR of the same products on the date, once it came"
    )
    outcome: str = Field(description="renewed, downgraded, churned, or empty while open")
    stage: str
    forecast_call: str = Field(description="commit, likely, at_risk, lost, or empty")
    no_longer_due: bool
    plan_status: str = Field(
        description="plan_missing, review_overdue, planned, not_needed, closed"
    )
    flags: list[str] = Field(description="plan_missing and/or review_overdue")
    next_review_on: dt.date | None
    last_review_on: dt.date | None
    refreshed_at: dt.datetime | None = Field(description="when the lines were last read")


def _out(row: selectors.PipelineRow) -> dict[str, Any]:
    r = row.renewal
    return {
        "id": r.pk,
        "account_id": r.account_id,
        "account": r.account.name,
        "touch_model": r.account.segment,
        "owner": r.account.owner.username if r.account.owner else None,
        "date": r.date,
        "mrr_due": r.mrr_due,
        "arr_due": r.arr_due,
        "mrr_after": r.mrr_after,
        "outcome": r.outcome,
        "stage": r.stage,
        "forecast_call": r.forecast_call,
        "no_longer_due": r.no_longer_due,
        "plan_status": row.status,
        "flags": sorted(row.flags),
        "next_review_on": row.next_review_on,
        "last_review_on": row.last_review_on,
        "refreshed_at": r.refreshed_at,
    }


class RenewalFilters(Schema):
    from_month: Day | None = Field(
        None, description="first month (any day of it); default: this quarter's first"
    )
    to_month: Day | None = Field(
        None,
        description="last month (any day of it); default: five months after from_month; "
        "at most 36 months",
    )
    touch_model: SegmentName | None = None
    team_id: Id | None = None
    owner_id: Id | None = Field(None, description="the account's owner CSM")
    stage: StageName | None = None
    plan_status: StatusName | None = None


class RenewalPatch(Schema):
    stage: OpenStageName = omittable(description="a stage people set; closed ones follow the lines")
    forecast_call: CallName = omittable(description="empty string clears the call")


class PlanStepIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    owner_id: Id | None = None
    due_on: Day | None = None
    done_on: Day | None = None


class PlanIn(Schema):
    risks: str = Field("", max_length=4000)
    decision_maker: str = Field("", max_length=200)
    decision_process: str = Field("", max_length=4000)
    next_review_on: Day | None = None
    steps: list[PlanStepIn] = Field(default_factory=list, max_length=services.MAX_STEPS)


class PlanStepOut(Schema):
    order: int
    title: str
    owner_id: int | None
    due_on: dt.date | None
    done_on: dt.date | None


class PlanReviewOut(Schema):
    id: int
    reviewed_on: dt.date
    reviewed_by: str | None = Field(description="username of the manager or admin")
    note: str

    @staticmethod
    def resolve_reviewed_by(obj: PlanReview) -> str | None:
        return obj.reviewed_by.username if obj.reviewed_by else None


class PlanOut(Schema):
    renewal_id: int
    risks: str
    decision_maker: str
    decision_process: str
    next_review_on: dt.date | None
    steps: list[PlanStepOut]
    reviews: list[PlanReviewOut] = Field(description="the latest first")
    updated_at: dt.datetime

    @staticmethod
    def resolve_steps(obj: ClosingPlan) -> Any:
        return list(obj.steps.all())

    @staticmethod
    def resolve_reviews(obj: ClosingPlan) -> Any:
        return list(obj.reviews.select_related("reviewed_by"))


class PlanSignOffIn(Schema):
    note: str = Field("", max_length=4000)
    reviewed_on: Day | None = Field(None, description="default: the company's today; never ahead")


def _require_view(request: AuthedRequest) -> None:
    if not can_view_renewals(request.user):
        raise PermissionDenied


def _renewal(request: AuthedRequest, renewal_id: int) -> Renewal:
    _require_view(request)
    renewal = (
        Renewal.objects.select_related("account__owner", "account__team")
        .filter(pk=renewal_id)
        .first()
    )
    if renewal is None:
        raise Http404
    return renewal


def _row(renewal: Renewal) -> dict[str, Any]:
    data = selectors.renewal_detail(renewal, today=tenant_today())
    plan = data["plan"]
    reviews = data["reviews"]
    row = selectors.PipelineRow(
        renewal,
        data["status"],
        data["flags"],
        plan.next_review_on if plan else None,
        reviews[0].reviewed_on if reviews else None,
    )
    return _out(row)


@router.get("/renewals", response={200: list[RenewalOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_renewals(request: AuthedRequest, filters: Query[RenewalFilters]) -> Any:
    """The renewal pipeline: renewals dated in the months asked, by date and account, each
    with its plan status and flags (renewals the lines no longer produce are left out)."""
    _require_view(request)
    today = tenant_today()
    first = first_of_month(
        filters.from_month or dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    )
    last = first_of_month(filters.to_month or add_months(first, 5))
    span = (last.year - first.year) * 12 + last.month - first.month
    if not 0 <= span < 36:
        message = _("Give a last month from the first month up to 35 months later.")
        raise ValidationError({"to_month": ValidationError(message, code="invalid")})
    rows = selectors.pipeline_rows(
        selectors.PipelineFilters(
            first_month=first,
            last_month=last,
            segment=filters.touch_model or "",
            team_id=filters.team_id,
            owner_id=filters.owner_id,
            stage=filters.stage or "",
            status=filters.plan_status or "",
        ),
        today=today,
    )
    return [_out(row) for row in rows]


@router.get("/renewals/{renewal_id}", response={200: RenewalOut, **errors(403, 404)})
def get_renewal(request: AuthedRequest, renewal_id: Id) -> Any:
    return _row(_renewal(request, renewal_id))


@router.patch("/renewals/{renewal_id}", response={200: RenewalOut, **errors(403, 404)})
def update_renewal(request: AuthedRequest, renewal_id: Id, payload: RenewalPatch) -> Any:
    """Set the stage (an open one) and/or the forecast call; 400 on a closed renewal."""
    renewal = _renewal(request, renewal_id)
    given = payload.model_dump(exclude_unset=True)
    if "stage" in given:
        services.renewal_set_stage(
            actor=request.user, renewal=renewal, stage=given["stage"], via="api"
        )
    if "forecast_call" in given:
        services.renewal_set_call(
            actor=request.user, renewal=renewal, call=given["forecast_call"], via="api"
        )
    return _row(_renewal(request, renewal_id))


@router.get("/renewals/{renewal_id}/plan", response={200: PlanOut, **errors(403, 404)})
def get_plan(request: AuthedRequest, renewal_id: Id) -> Any:
    """The renewal's closing plan with its steps and reviews; 404 when it has none."""
    renewal = _renewal(request, renewal_id)
    plan = ClosingPlan.objects.filter(renewal=renewal).first()
    if plan is None:
        raise Http404
    return plan


@router.put("/renewals/{renewal_id}/plan", response={200: PlanOut, **errors(403, 404)})
def put_plan(request: AuthedRequest, renewal_id: Id, payload: PlanIn) -> Any:
    """Create or replace the closing plan and its steps (kept in the order given). The first
    plan moves a renewal not started to plan drafted."""
    renewal = _renewal(request, renewal_id)
    plan = services.plan_save(
        actor=request.user,
        renewal=renewal,
        risks=payload.risks,
        decision_maker=payload.decision_maker,
        decision_process=payload.decision_process,
        next_review_on=payload.next_review_on,
        steps=[step.model_dump() for step in payload.steps],
        via="api",
    )
    return plan


@router.post(
    "/renewals/{renewal_id}/plan/reviews", response={201: PlanReviewOut, **errors(403, 404)}
)
def sign_off_review(request: AuthedRequest, renewal_id: Id, payload: PlanSignOffIn) -> Any:
    """A manager of the account's team or an admin signs off the plan's review; the plan's
    next review moves on by the touch model's cadence. 400 without a plan."""
    renewal = _renewal(request, renewal_id)
    review = services.review_sign_off(
        actor=request.user,
        renewal=renewal,
        note=payload.note,
        reviewed_on=payload.reviewed_on,
        via="api",
    )
    return Status(201, review)
