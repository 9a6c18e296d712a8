"""REST endpoints for churn reasons (``/api/v1/churn-reasons``): the taxonomy, the churn
events with their reasons (missing ones too), recording and correcting a reason, and the
report. docs/churn-reasons.md."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Day, Id, Pages, errors, omittable
from kizuna.apps.churnreasons import report as reports
from kizuna.apps.churnreasons import selectors, services
from kizuna.apps.churnreasons.models import NOTE_MAX, ChurnReason, ChurnReasonCategory
from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_view_churn_reasons
from kizuna.apps.tenant.selectors import tenant_settings_get

router = Router(tags=["churn-reasons"])


class ChurnCategoryOut(Schema):
    key: str
    name_ja: str
    name_en: str
    active: bool = Field(description="offered for new reasons")
    order: int


class ChurnReasonOut(Schema):
    id: int
    account_id: int
    line_id: int | None = Field(description="the cancelled line; null when the account churned")
    product: str | None = Field(description="the cancelled line's product code")
    churned_on: dt.date = Field(description="the first day without the line (or any line)")
    segment: str = Field(description="the account's touch model when the churn was found")
    lost_mrr: int = Field(description="minor units, from the lines, never typed")
    category: str | None = Field(description="category key; null: reason missing")
    note: str
    recorded_by: str | None = Field(description="username")
    recorded_at: dt.datetime | None

    @staticmethod
    def resolve_product(obj: ChurnReason) -> str | None:
        return obj.line.product.code if obj.line else None

    @staticmethod
    def resolve_category(obj: ChurnReason) -> str | None:
        return obj.category.key if obj.category else None

    @staticmethod
    def resolve_recorded_by(obj: ChurnReason) -> str | None:
        return obj.recorded_by.username if obj.recorded_by else None


class ChurnReasonFiltersIn(Schema):
    status: Literal["missing", "recorded"] | None = None
    account_id: Id | None = None
    since: Day | None = Field(None, description="churned on or after")
    until: Day | None = Field(None, description="churned on or before")


class ChurnReasonIn(Schema):
    account_id: Id
    line_id: Id | None = Field(None, description="the cancelled line; omit for the account")
    churned_on: Day
    category: str = Field(max_length=40, description="category key")
    note: str = Field("", max_length=NOTE_MAX)


class ChurnReasonPatch(Schema):
    category: str = omittable(max_length=40, description="category key")
    note: str = omittable(max_length=NOTE_MAX)


class ChurnReportIn(Schema):
    period: Literal["month", "quarter", "fiscal_year"] = "month"
    cut: Literal["none", "segment", "product"] = "none"
    since: Day | None = Field(None, description="churned on or after")
    until: Day | None = Field(None, description="churned on or before")


class ChurnReportCellOut(Schema):
    period: str = Field(description="2026-11, FY2026-Q3 or FY2026")
    group: str = Field(description="segment or product code; empty without a cut")
    category: str
    count: int
    lost_mrr: int
    count_share: float | None = Field(description="of the period's (and group's) churns")
    mrr_share: float | None = Field(description="of the period's (and group's) lost MRR")


class ChurnReportTotalOut(Schema):
    category: str
    count: int
    lost_mrr: int
    count_share: float | None
    mrr_share: float | None


class ChurnReportOut(Schema):
    period: str
    cut: str
    count: int
    lost_mrr: int
    cells: list[ChurnReportCellOut]
    totals: list[ChurnReportTotalOut]


def _require_view(request: AuthedRequest) -> None:
    if not can_view_churn_reasons(request.user):
        raise PermissionDenied


def _category(key: str) -> ChurnReasonCategory:
    category = ChurnReasonCategory.objects.filter(key=key).first()
    if category is None:
        raise ValidationError({"category": _("Unknown category: %(value)s") % {"value": key}})
    return category


@router.get("/churn-reasons/categories", response={200: list[ChurnCategoryOut]})
def list_churn_categories(request: AuthedRequest) -> Any:
    """The taxonomy in its order, offered and retired categories alike."""
    _require_view(request)
    return ChurnReasonCategory.objects.order_by("order", "key")


@router.get("/churn-reasons", response={200: list[ChurnReasonOut]})
@paginate(Pages, page_size=50)
def list_churn_reasons(request: AuthedRequest, filters: Query[ChurnReasonFiltersIn]) -> Any:
    """Every churn event with its reason (``status=missing``: those still without one), latest
    churn first."""
    _require_view(request)
    return selectors.reasons_filtered(
        selectors.ReasonFilters(
            status=filters.status,
            account_id=filters.account_id,
            since=filters.since,
            until=filters.until,
        )
    )


@router.post("/churn-reasons", response={201: ChurnReasonOut, **errors(403, 404, 409)})
def create_churn_reason(request: AuthedRequest, payload: ChurnReasonIn) -> Status[ChurnReason]:
    """Record why an account churned (no ``line_id``) or a line was cancelled on
    ``churned_on``: the account's owner, a manager of its team or an admin (else 403). 400
    when the lines show no such churn; 409 ``conflict`` when it has a reason already."""
    user = request.user
    account = access_account(user, payload.account_id)
    line = None
    if payload.line_id is not None:
        line = SubscriptionLine.objects.filter(pk=payload.line_id).first()
        if line is None or line.account_id != account.pk:
            raise ValidationError({"line_id": _("No such line on this account.")})
    try:
        reason = services.churn_reason_record(
            actor=user,
            account=account,
            line=line,
            churned_on=payload.churned_on,
            category=_category(payload.category),
            note=payload.note,
            via="api",
        )
    except ValidationError as error:
        clash = getattr(error, "error_dict", {}).get("churned_on", [])
        if any(e.code == services.DUPLICATE for e in clash):
            raise HttpError(409, str(clash[0].message)) from None
        raise
    return Status(201, selectors.access_reason(reason.pk))


@router.patch("/churn-reasons/{int:reason_id}", response={200: ChurnReasonOut, **errors(403, 404)})
def update_churn_reason(request: AuthedRequest, reason_id: Id, payload: ChurnReasonPatch) -> Any:
    """Correct a recorded reason's category or note (the earlier values stay in the audit
    trail); a missing one is recorded with POST."""
    reason = selectors.access_reason(reason_id)
    data = payload.dict(exclude_unset=True)
    if not data:
        raise ValidationError({"body": _("Name a change: category or note.")})
    services.churn_reason_update(
        actor=request.user,
        reason=reason,
        category=_category(data["category"]) if "category" in data else None,
        note=data.get("note"),
        via="api",
    )
    return selectors.access_reason(reason_id)


@router.get("/churn-reasons/report", response={200: ChurnReportOut})
def churn_reason_report(request: AuthedRequest, params: Query[ChurnReportIn]) -> Any:
    """The recorded reasons per period and cut, by count and by lost MRR (docs/metrics.md,
    "Churn reasons")."""
    _require_view(request)
    result = reports.churn_report(
        period=params.period,
        cut=params.cut,
        fiscal_start_month=tenant_settings_get().fiscal_year_start_month,
        since=params.since,
        until=params.until,
    )
    return {
        "period": result.period,
        "cut": result.cut,
        "count": result.count,
        "lost_mrr": result.lost_mrr,
        "cells": result.lines,
        "totals": result.totals,
    }
