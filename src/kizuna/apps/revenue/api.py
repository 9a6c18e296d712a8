"""REST endpoints of the revenue snapshots (``/api/v1/revenue/…``): read-only, every member."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from kizuna.apps.api.schemas import Day
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.revenue.models import RevenueSnapshot
from kizuna.apps.revenue.selectors import Cut, revenue_summary_rows

router = Router(tags=["revenue"])


class SummaryParams(Schema):
    dimension: Literal["", "segment", "product", "channel", "team"] = Field(
        "", description='"" = the whole company'
    )
    value: str = Field("", max_length=64, description="segment, product code, channel or team code")
    from_: Day | None = Field(None, alias="from", description="first month (any day of it)")
    to: Day | None = Field(None, description="last month (any day of it), inclusive")


class SummaryOut(Schema):
    month: dt.date = Field(description="first day of the month")
    dimension: str
    value: str
    total_mrr: int = Field(description="MRR at the month's end, minor units")
    active_customers: int
    start_mrr: int = Field(description="MRR at the end of the previous month")
    new_mrr: int
    expansion_mrr: int
    reactivation_mrr: int
    contraction_mrr: int = Field(description="positive amount")
    churn_mrr: int = Field(description="positive amount")
    new_customers: int
    expansion_customers: int
    reactivated_customers: int
    contraction_customers: int
    churned_customers: int
    net_new_mrr: int
    logo_churn_rate: float | None = Field(description="fraction; null = undefined")
    gross_mrr_churn_rate: float | None
    net_mrr_churn_rate: float | None
    grr_3m: float | None
    nrr_3m: float | None
    grr_12m: float | None
    nrr_12m: float | None
    arpa: int | None = Field(description="minor units, rounded")
    ltv: int | None = Field(description="minor units, rounded; null = undefined")


@router.get(
    "/revenue/summary",
    response=list[SummaryOut],
    summary="Monthly revenue summary of one cut (from the snapshots)",
)
def get_revenue_summary(
    request: AuthedRequest, params: Query[SummaryParams]
) -> list[RevenueSnapshot]:
    return revenue_summary_rows(
        cut=Cut(dimension=params.dimension, value=params.value),
        first=params.from_.replace(day=1) if params.from_ else None,
        last=params.to.replace(day=1) if params.to else None,
    )
