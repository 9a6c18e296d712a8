"""The NPS analysis over the API (docs/surveys.md, Analysis): ``GET /api/v1/surveys/nps``
returns the cells the ``/surveys/nps/`` page shows, one per cut value and period."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Query, Router, Schema

from kizuna.apps.api.schemas import Day, errors
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_view_survey_analysis
from kizuna.apps.surveys import analysis
from kizuna.apps.surveys.analysis import QueryRefused

router = Router(tags=["surveys"])


class NpsQueryIn(Schema):
    cut: Literal["all", "segment", "product", "phase", "tenure"] = "all"
    period: Literal["month", "quarter", "fiscal_year"] = "month"
    from_: Day | None = Field(None, alias="from", description="first day; default 11 months ago")
    to: Day | None = Field(None, description="last day, inclusive; default today")


class NpsCellOut(Schema):
    cut: str
    value: str | int | None = Field(
        description="segment, phase or tenure bucket (30, 90, later, unknown), product id; "
        "null for all answers or answers without a product"
    )
    period: str = Field(description="month, quarter or fiscal_year")
    first_day: dt.date = Field(description="first day of the period counted (inside the range)")
    last_day: dt.date = Field(description="last day counted, inclusive")
    nps: float | None = Field(description="points, −100 … +100; null without answers")
    ci_low: float | None = Field(description="95 % interval, low end")
    ci_high: float | None
    small_sample: bool = Field(description="fewer than 30 answers")
    responses: int
    promoters: int
    passives: int
    detractors: int
    invitations: int = Field(description="invitations sent in the period")
    answered_invitations: int
    response_rate: float | None = Field(description="0 … 1; null when none was sent")


class NpsReportOut(Schema):
    cut: str
    period: str
    first_day: dt.date
    last_day: dt.date
    fiscal_year_start_month: int
    cells: list[NpsCellOut]


@router.get("/surveys/nps", response={200: NpsReportOut, **errors(403)})
def survey_nps(request: AuthedRequest, filters: Query[NpsQueryIn]) -> Any:
    """NPS per value of one cut and period of one kind over a range of days (every member)."""
    if not can_view_survey_analysis(request.user):
        raise PermissionDenied
    params: dict[str, str] = {"cut": filters.cut, "period": filters.period}
    if filters.from_ is not None:
        params["from"] = filters.from_.isoformat()
    if filters.to is not None:
        params["to"] = filters.to.isoformat()
    try:
        query = analysis.parse_query(params)
    except QueryRefused as refusal:
        raise ValidationError({refusal.field: [refusal.message]}) from None
    report = analysis.report(query)
    cells = []
    for cell in report.nps:
        first, last = analysis.cell_range(cell.period, query)
        cells.append(
            {
                "cut": cell.cut,
                "value": cell.value,
                "period": cell.period.kind,
                "first_day": first,
                "last_day": last,
                "nps": cell.nps,
                "ci_low": cell.ci_low,
                "ci_high": cell.ci_high,
                "small_sample": cell.small_sample,
                "responses": cell.responses,
                "promoters": cell.promoters,
                "passives": cell.passives,
                "detractors": cell.detractors,
                "invitations": cell.invitations,
                "answered_invitations": cell.answered_invitations,
                "response_rate": cell.response_rate,
            }
        )
    return {
        "cut": query.cut,
        "period": query.period,
        "first_day": query.first,
        "last_day": query.last,
        "fiscal_year_start_month": query.fiscal_start_month,
        "cells": cells,
    }
