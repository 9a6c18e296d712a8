"""REST endpoints of the KPI home (``/api/v1/kpis``): the home's cards per cut, the stored KPI
values per cut and period, and the targets (admins set them). docs/kpi-home.md."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status

from kizuna.apps.api.schemas import Day, errors
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.kpis import selectors, services
from kizuna.apps.kpis.models import KpiSnapshot
from kizuna.apps.org.access import (
    can_edit_kpi_targets,
    can_view_kpi_cut,
    can_view_kpis,
    default_kpi_cut,
)
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today

router = Router(tags=["kpis"])

KpiName = Literal[
    "grr", "nrr", "logo_churn_monthly", "logo_churn_annual", "coverage",
    "onboarding_completion", "nps", "renewal_rate", "csql_count",
]  # fmt: skip
CutName = Literal["company", "segment", "team", "csm"]
FiscalYear = Field(ge=1, le=9998, description="named by the calendar year it starts in")


class TrendOut(Schema):
    month: dt.date
    figure: float | None


class DragOut(Schema):
    cut: str
    value: str
    figure: float | None
    target: float | None
    cost: float = Field(description="shortfall × the cut's share of the denominator")


class CardOut(Schema):
    kpi: str
    period: str = Field(description="month (the latest) or fiscal_year (to date)")
    period_start: dt.date | None
    figure: float | None = Field(description="rates as fractions, NPS in points, counts")
    numerator: float | None
    denominator: float | None
    target: float | None
    target_source: str = Field(description="set, revenue (revenue targets), coverage, or ''")
    meets: bool | None
    dragging: DragOut | None
    trend: list[TrendOut]
    url: str = Field(description="the page that explains the KPI")


class HomeOut(Schema):
    as_of: dt.date | None = Field(description="the day of the KPI snapshot; null before one")
    fiscal_year: int
    cut: str
    value: str
    cards: list[CardOut]


class HomeIn(Schema):
    cut: CutName | None = Field(None, description="default: the member's own (role)")
    value: str = Field("", max_length=150)


def _card(card: selectors.KpiCard) -> CardOut:
    drag = card.drag
    return CardOut(
        kpi=card.key,
        period=card.period,
        period_start=card.period_start,
        figure=card.figure,
        numerator=card.numerator,
        denominator=card.denominator,
        target=card.target,
        target_source=card.target_source,
        meets=card.meets,
        dragging=(
            DragOut(
                cut=drag.cut,
                value=drag.value,
                figure=drag.figure,
                target=drag.target,
                cost=drag.cost,
            )
            if drag
            else None
        ),
        trend=[TrendOut(month=p.month, figure=p.figure) for p in card.trend],
        url=card.url,
    )


@router.get("/kpis/home", response={200: HomeOut, **errors(403)})
def kpi_home(request: AuthedRequest, params: Query[HomeIn]) -> Any:
    """Each KPI's value, target, trend and dragging cut, as the KPI home shows them."""
    if not can_view_kpis(request.user):
        raise PermissionDenied
    cut, value = (params.cut, params.value) if params.cut else default_kpi_cut(request.user)
    value = "" if cut == "company" else value
    if not can_view_kpi_cut(request.user, cut, value):
        raise PermissionDenied
    settings = tenant_settings_get()
    data = selectors.kpi_home(
        today=tenant_today(settings),
        fiscal_start_month=settings.fiscal_year_start_month,
        cut=cut,
        value=value,
    )
    return HomeOut(
        as_of=data.as_of,
        fiscal_year=data.fiscal_year,
        cut=data.cut,
        value=data.value,
        cards=[_card(card) for card in data.cards],
    )


class ValueOut(Schema):
    kpi: str
    period: str
    period_start: dt.date
    cut: str
    value: str
    figure: float | None
    numerator: float | None
    denominator: float | None
    as_of: dt.date


class ValuesIn(Schema):
    kpi: KpiName | None = None
    cut: CutName | None = None
    value: str | None = Field(None, max_length=150)
    period: Literal["month", "fiscal_year"] | None = None
    since: Day | None = Field(None, description="periods starting on or after")
    until: Day | None = Field(None, description="periods starting on or before")


@router.get("/kpis/values", response={200: list[ValueOut], **errors(403)})
def kpi_values(request: AuthedRequest, params: Query[ValuesIn]) -> Any:
    """The stored KPI values (the daily snapshot) per KPI, cut and period."""
    if not can_view_kpis(request.user):
        raise PermissionDenied
    rows = KpiSnapshot.objects.order_by("kpi", "period", "period_start", "cut", "value")
    for name in ("kpi", "cut", "value", "period"):
        wanted = getattr(params, name)
        if wanted is not None:
            rows = rows.filter(**{name: wanted})
    if params.since:
        rows = rows.filter(period_start__gte=params.since)
    if params.until:
        rows = rows.filter(period_start__lte=params.until)
    return [r for r in rows if can_view_kpi_cut(request.user, r.cut, r.value)]


class TargetOut(Schema):
    fiscal_year: int
    kpi: str
    cut: str
    value: str
    target: float = Field(description="rates as fractions, NPS in points, counts")
    source: str = Field(description="set (a KPI target), revenue or coverage (the default)")


class TargetsIn(Schema):
    fiscal_year: int | None = FiscalYear


@router.get("/kpis/targets", response={200: list[TargetOut], **errors(403)})
def kpi_targets(request: AuthedRequest, params: Query[TargetsIn]) -> Any:
    """Every target of a fiscal year (default: this one): set ones and the defaults."""
    if not can_view_kpis(request.user):
        raise PermissionDenied
    year = params.fiscal_year or services.current_fiscal_year()
    book = selectors.target_book(year)
    return [
        TargetOut(fiscal_year=year, kpi=k, cut=c, value=v, target=t, source=s)
        for (k, c, v), (t, s) in sorted(book.targets.items())
    ]


class TargetIn(Schema):
    fiscal_year: int = FiscalYear
    kpi: KpiName
    cut: CutName
    value: str = Field("", max_length=150, description="segment / team code, CSM username")
    target: float | None = Field(description="null removes the target")


@router.put("/kpis/targets", response={200: TargetOut, 204: None, **errors(403)})
def kpi_target_put(request: AuthedRequest, payload: TargetIn) -> Any:
    """Set (or with ``target`` null remove) one target; admins only, audited."""
    if not can_edit_kpi_targets(request.user):
        raise PermissionDenied
    row = services.kpi_target_save(
        actor=request.user,
        fiscal_year=payload.fiscal_year,
        kpi=payload.kpi,
        cut=payload.cut,
        value=payload.value,
        target=payload.target,
        via="api",
    )
    if row is None:
        return Status(204, None)
    return TargetOut(
        fiscal_year=row.fiscal_year, kpi=row.kpi, cut=row.cut, value=row.value,
        target=row.target, source="set",
    )  # fmt: skip
