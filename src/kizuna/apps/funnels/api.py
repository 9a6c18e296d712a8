"""REST endpoints of the two CS funnels (``/api/v1/funnels/…``): read-only, every member.

One row per cohort month (and cut value) from ``from`` to ``to`` (default: the 24 months
ending with the current month); figures as of the company's today. Definitions:
docs/metrics.md, "The two CS funnels"."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from kizuna.apps.api.schemas import Day
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.funnels.forms import MAX_MONTHS
from kizuna.apps.funnels.selectors import DEFAULT_MONTHS, funnel_data
from kizuna.apps.org.access import require_funnels_view
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import month_index, month_start_before
from kizuna.core.funnels import Cut

router = Router(tags=["funnels"])


class FunnelParams(Schema):
    cut: Literal["", "segment", "first_product", "channel", "team", "industry"] = Field(
        "", description='"" = the whole company'
    )
    from_: Day | None = Field(None, alias="from", description="first cohort month (any day of it)")
    to: Day | None = Field(None, description="last cohort month (any day of it), inclusive")


class AccountFunnelOut(Schema):
    cohort_month: dt.date = Field(description="first day of the cohort month")
    cut: str
    value: str | None = Field(description="the cut's value (code); null = none, or no cut")
    contracted: int
    handed_over: int
    onboarded_on_time: int
    adoption_due: int
    adopted: int
    renewal_due: int
    renewed: int
    expansion_due: int
    expanded: int
    handed_over_rate: float | None = Field(description="fraction; null = undefined")
    on_time_rate: float | None
    adoption_rate: float | None
    renewal_rate: float | None
    expansion_rate: float | None


class RevenueFunnelOut(Schema):
    cohort_month: dt.date = Field(description="first day of the cohort month")
    cut: str
    value: str | None = Field(description="the cut's value (code); null = none, or no cut")
    accounts: int
    new_mrr: int = Field(description="the cohort's MRR in its first month, minor units")
    due_accounts: int = Field(description="accounts whose month 12 has ended (0 or all)")
    due_new_mrr: int
    churned_mrr: int | None = Field(description="null until month 12 has ended")
    contraction_mrr: int | None
    retained_mrr: int | None = Field(description="Σ min(month-12 MRR, first-month MRR)")
    expansion_mrr: int | None
    net_mrr: int | None = Field(description="Σ month-12 MRR")
    retained_rate: float | None = Field(description="retained / new (GRR basis)")
    expansion_rate: float | None
    net_rate: float | None = Field(description="net / new (NRR basis)")


def _range(params: FunnelParams, today: dt.date) -> tuple[dt.date, dt.date]:
    last = (params.to or today).replace(day=1)
    first = (params.from_ or month_start_before(last, DEFAULT_MONTHS - 1)).replace(day=1)
    if first > last:
        raise HttpError(400, _("The first cohort must not be after the last."))
    if month_index(last) - month_index(first) >= MAX_MONTHS:
        raise HttpError(400, _("Choose at most 120 cohort months."))
    return first, last


def _rows(request: AuthedRequest, params: FunnelParams, table: str) -> list[dict[str, Any]]:
    require_funnels_view(request.user)
    today = tenant_today()
    first, last = _range(params, today)
    cut: Cut | None = params.cut or None
    data = funnel_data(as_of=today, first_month=first, last_month=last, cut=cut)
    frame = data.accounts if table == "accounts" else data.revenue
    return [
        {**row, "cut": params.cut, "value": row.get(cut) if cut else None}
        for row in frame.iter_rows(named=True)
    ]


@router.get(
    "/funnels/accounts",
    response=list[AccountFunnelOut],
    summary="The CS funnel by account count, per cohort month (and cut value)",
)
def get_account_funnel(request: AuthedRequest, params: Query[FunnelParams]) -> list[dict[str, Any]]:
    return _rows(request, params, "accounts")


@router.get(
    "/funnels/revenue",
    response=list[RevenueFunnelOut],
    summary="The CS funnel by revenue, per cohort month (and cut value)",
)
def get_revenue_funnel(request: AuthedRequest, params: Query[FunnelParams]) -> list[dict[str, Any]]:
    return _rows(request, params, "revenue")
