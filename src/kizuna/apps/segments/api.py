"""REST endpoints of the touch model: rules and reviews (read), exceptions (list, create)."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Pages, errors
from kizuna.apps.customers.access import access_account
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.segments import services
from kizuna.apps.segments.models import SegmentException, SegmentReview, SegmentRule
from kizuna.apps.tenant.selectors import tenant_today

router = Router(tags=["touch model"])

SegmentCode = Literal["high", "low", "tech", "community"]


class RuleOut(Schema):
    id: int
    kind: str
    high_share: float
    low_share: float
    high_min: int | None
    low_min: int | None
    effective_from: dt.date
    review_interval_months: int
    note: str


class ReviewOut(Schema):
    id: int
    rule_id: int
    as_of: dt.date
    status: str
    moves: dict[str, list[str]] = Field(description="account id → [segment before, after]")
    summary: dict[str, Any]
    applied_at: dt.datetime | None


class ExceptionOut(Schema):
    id: int
    account_id: int
    segment: str
    previous_segment: str
    reason: str
    expires_on: dt.date
    ended_at: dt.datetime | None


class ExceptionIn(Schema):
    account_id: int
    segment: SegmentCode
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    expires_on: dt.date


class ExceptionFilter(Schema):
    active: bool = True


@router.get("/segment-rules", response=list[RuleOut], summary="Segmentation rules, newest first")
@paginate(Pages, page_size=50)
def list_segment_rules(request: HttpRequest) -> Any:
    return SegmentRule.objects.all()


@router.get("/segment-reviews", response=list[ReviewOut], summary="Segmentation reviews")
@paginate(Pages, page_size=20)
def list_segment_reviews(request: HttpRequest) -> Any:
    return SegmentReview.objects.all()


@router.get("/segment-reviews/{review_id}", response={200: ReviewOut, **errors(404)})
def get_segment_review(request: HttpRequest, review_id: int) -> SegmentReview:
    return get_object_or_404(SegmentReview, pk=review_id)


@router.get("/segment-exceptions", response=list[ExceptionOut])
@paginate(Pages, page_size=50)
def list_segment_exceptions(request: AuthedRequest, filters: Query[ExceptionFilter]) -> Any:
    rows = SegmentException.objects.all()
    if filters.active:
        rows = rows.filter(ended_at__isnull=True, expires_on__gte=tenant_today())
    return rows


@router.post("/segment-exceptions", response={201: ExceptionOut, **errors(403, 404)})
def create_segment_exception(
    request: AuthedRequest, payload: ExceptionIn
) -> Status[SegmentException]:
    account = access_account(request.user, payload.account_id, write=True)
    exception = services.segment_exception_create(
        actor=request.user,
        account=account,
        segment=payload.segment,
        reason=payload.reason,
        expires_on=payload.expires_on,
        today=tenant_today(),
    )
    return Status(201, exception)
