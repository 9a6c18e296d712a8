"""REST endpoint of the monthly CS report (``/api/v1/reports/monthly/{YYYY-MM}``): the
report's figures as JSON, the same the page and the PDF show (docs/monthly-report.md).
Managers, admins and viewers (else 403)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from kizuna.apps.api.schemas import errors
from kizuna.apps.diagnosis.api import ChangesOut
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_view_monthly_report
from kizuna.apps.reports.selectors import (
    MonthlyReport,
    last_complete_month,
    monthly_report,
    parse_month,
)
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today

router = Router(tags=["reports"])


class BridgeStepOut(Schema):
    key: str = Field(description="start, new, expansion, reactivation, contraction, churn, end")
    amount: int = Field(description="minor units; contraction and churn negative")


class CompanyOut(Schema):
    start_mrr: int = Field(description="MRR at the end of the previous month, minor units")
    end_mrr: int = Field(description="MRR at the month's end, minor units")
    net_new_mrr: int
    active_customers: int
    churned_customers: int
    logo_churn_rate: float | None = Field(description="fraction; null = undefined")
    gross_mrr_churn_rate: float | None
    grr_12m: float | None
    nrr_12m: float | None


class SegmentOut(Schema):
    segment: str
    start_mrr: int
    end_mrr: int
    new_mrr: int
    expansion_mrr: int
    reactivation_mrr: int
    contraction_mrr: int = Field(description="positive amount lost")
    churn_mrr: int = Field(description="positive amount lost")
    net_new_mrr: int
    churned_customers: int
    expansion_customers: int
    active_customers: int
    logo_churn_rate: float | None
    gross_mrr_churn_rate: float | None


class RiskOut(Schema):
    account_id: int
    account_name: str
    mrr: int = Field(description="the account's MRR now, or its renewal's MRR due if larger")
    turned_red: bool = Field(description="its health turned red in the month")
    renewal_date: dt.date | None = Field(description="a renewal called at risk or lost")
    forecast_call: str | None


class SaveOut(Schema):
    task_id: int
    account_id: int
    account_name: str
    owner: str = Field(description="username")
    closed_on: dt.date = Field(description="in the company's time zone")
    mrr: int = Field(description="the account's MRR now")


class AsOfOut(Schema):
    revenue: dt.datetime | None = Field(description="when the revenue snapshots were computed")
    health_day: dt.date | None = Field(description="the day of the health scores read")
    renewals: dt.datetime | None = Field(description="when the renewals were last refreshed")


class KpiOut(Schema):
    key: str = Field(description="the KPI's key (docs/kpi-home.md)")
    figure: float | None = Field(description="the company's figure; rates as fractions")
    target: float | None
    status: str = Field(description='"meets", "misses" or "" (no figure or no target)')


class KpisOut(Schema):
    as_of: dt.date | None = Field(description="the KPI snapshots' day; null before the first")
    fiscal_year: int
    kpis: list[KpiOut]


class ReportDiagnosisOut(Schema):
    day: dt.date | None = Field(description="the latest run on or before the month's end")
    phase: str | None = Field(description="startup, pmf_search, pmf_reached or scale")
    level: str | None = Field(description="reactive, insights_actions, outcomes or transform")
    next_fixes: list[str] = Field(description="the next three things to fix (rule keys)")
    changes: ChangesOut | None = Field(
        description="verdicts changed since the run nearest the month's eve; null: no earlier run"
    )


class MonthlyReportOut(Schema):
    month: str = Field(description="YYYY-MM")
    currency: str
    kpis: KpisOut = Field(description="the KPI home's company cards as of the month's end")
    company: CompanyOut | None = Field(description="null: no revenue snapshot of the month")
    bridge: list[BridgeStepOut]
    segments: list[SegmentOut]
    risks: list[RiskOut] = Field(description="the largest ten")
    risk_count: int
    saves: list[SaveOut] = Field(description="the largest ten")
    save_count: int
    saved_mrr: int
    as_of: AsOfOut
    diagnosis: ReportDiagnosisOut


def _company(report: MonthlyReport) -> dict[str, Any] | None:
    row = report.company
    if row is None:
        return None
    return {
        "start_mrr": row.start_mrr,
        "end_mrr": row.total_mrr,
        "net_new_mrr": row.net_new_mrr,
        "active_customers": row.active_customers,
        "churned_customers": row.churned_customers,
        "logo_churn_rate": row.logo_churn_rate,
        "gross_mrr_churn_rate": row.gross_mrr_churn_rate,
        "grr_12m": row.grr_12m,
        "nrr_12m": row.nrr_12m,
    }


def report_json(report: MonthlyReport) -> dict[str, Any]:
    """The report as the API's schema reads it."""
    return {
        "month": f"{report.month:%Y-%m}",
        "currency": report.currency,
        "kpis": {
            "as_of": report.kpis.as_of,
            "fiscal_year": report.kpis.fiscal_year,
            "kpis": [
                {"key": k.key, "figure": k.figure, "target": k.target, "status": k.status}
                for k in report.kpis.lines
            ],
        },
        "company": _company(report),
        "bridge": [{"key": step.key, "amount": step.amount} for step in report.bridge],
        "segments": [
            {name: getattr(row, name) for name in SegmentOut.model_fields}
            for row in report.segments
        ],
        "risks": [
            {
                "account_id": row.account.pk,
                "account_name": row.account.name,
                "mrr": row.mrr,
                "turned_red": row.turned_red,
                "renewal_date": row.renewal.date if row.renewal else None,
                "forecast_call": row.renewal.forecast_call if row.renewal else None,
            }
            for row in report.risks
        ],
        "risk_count": report.risk_count,
        "saves": [
            {
                "task_id": row.task.pk,
                "account_id": row.task.account_id,
                "account_name": row.task.account.name,
                "owner": row.task.owner.username,
                "closed_on": row.closed_on,
                "mrr": row.task.account.mrr,
            }
            for row in report.saves
        ],
        "save_count": report.save_count,
        "saved_mrr": report.saved_mrr,
        "as_of": {
            "revenue": report.as_of.revenue,
            "health_day": report.as_of.health_day,
            "renewals": report.as_of.renewals,
        },
        "diagnosis": _diagnosis(report),
    }


def _diagnosis(report: MonthlyReport) -> dict[str, Any]:
    view = report.diagnosis.view
    return {
        "day": view.day if view else None,
        "phase": view.phase if view else None,
        "level": view.level if view else None,
        "next_fixes": [f.key for f in view.next_fixes] if view else [],
        "changes": report.diagnosis.changes,
    }


@router.get(
    "/reports/monthly/{month}",
    response={200: MonthlyReportOut, **errors(403, 404)},
    summary="The monthly CS report's figures",
)
def get_monthly_report(request: AuthedRequest, month: str) -> Any:
    """The report of ``month`` (``YYYY-MM``): 400 for a malformed month (2026-13, 0000-01),
    404 for a month that is not over yet."""
    if not can_view_monthly_report(request.user):
        raise PermissionDenied
    chosen = parse_month(month) if len(month) == 7 else None
    if chosen is None:
        raise ValidationError({"month": [_("Give a month as YYYY-MM (0001-01 to 9999-12).")]})
    if chosen > last_complete_month(tenant_today()):
        raise Http404
    tenant = tenant_settings_get()
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    report = monthly_report(
        month=chosen,
        currency=tenant.currency,
        zone=zone,
        fiscal_start_month=tenant.fiscal_year_start_month,
    )
    return report_json(report)
