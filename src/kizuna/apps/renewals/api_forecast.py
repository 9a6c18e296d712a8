"""REST endpoints of the renewal forecast: a quarter's forecast (Kizuna's beside the CSMs'
calls) and the calibration with its backtest (reliability per grade and touch model, Brier
score, past quarters). Rates are fractions, null when undefined; money in minor units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from kizuna.apps.api.schemas import errors
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import require_renewal_forecast_view
from kizuna.apps.renewals.forecast import calibration_cells, forecast_for
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.renewals.forecast import quarter_from_key

router = Router(tags=["renewals"])


class QuarterForecastOut(Schema):
    quarter: str = Field(
        description="fiscal quarter, e.g. 2026Q1 (the fiscal year named by the calendar year "
        "it starts in)"
    )
    first_day: dt.date
    last_day: dt.date
    as_of: dt.date
    renewals: int
    closed: int
    open: int
    open_without_call: int
    mrr_due: int
    expected_renewals: float
    kizuna_grr: float | None
    kizuna_nrr: float | None
    commit_grr: float | None
    commit_nrr: float | None
    commit_likely_grr: float | None
    commit_likely_nrr: float | None


class ForecastQuery(Schema):
    quarter: str | None = Field(
        None,
        pattern=r"^\d{1,4}[Qq][1-4]$",
        description="fiscal quarter such as 2026Q1; default: the current one",
    )


class CalibrationCellOut(Schema):
    grade: int | None = Field(description="health grade 90 days before the renewal; null: ungraded")
    touch_model: str
    renewals: int
    renewed: int
    actual_rate: float | None
    probability: float
    kept_ratio: float
    expansion_ratio: float


class ReliabilityOut(Schema):
    grade: int | None
    touch_model: str
    renewals: int
    predicted: float
    actual: float


class PastQuarterOut(Schema):
    quarter: str
    renewals: int
    mrr_due: int
    forecast_renewals: float
    actual_renewals: int
    forecast_grr: float | None
    actual_grr: float | None
    forecast_nrr: float | None
    actual_nrr: float | None


class CalibrationOut(Schema):
    as_of: dt.date
    prior_weight: float
    renewals: int
    overall_probability: float
    cells: list[CalibrationCellOut]
    reliability: list[ReliabilityOut]
    brier: float | None
    backtested_renewals: int
    past_quarters: list[PastQuarterOut]
    grr_mae: float | None
    nrr_mae: float | None


@router.get(
    "/renewals/forecast",
    response={200: QuarterForecastOut, **errors(403)},
    summary="A fiscal quarter's renewal forecast, Kizuna's beside the CSMs' calls",
)
def get_renewal_forecast(request: AuthedRequest, query: Query[ForecastQuery]) -> Any:
    require_renewal_forecast_view(request.user)
    quarter = None
    if query.quarter:
        try:
            quarter = quarter_from_key(query.quarter, tenant_settings_get().fiscal_year_start_month)
        except ValueError:
            raise HttpError(400, _("Not a fiscal quarter: write it like 2026Q1.")) from None
    data = forecast_for(today=tenant_today(), quarter=quarter)
    f = data.quarters[0]
    return {
        "quarter": f.quarter.key, "first_day": f.quarter.first, "last_day": f.quarter.last,
        "as_of": f.as_of, "renewals": f.renewals, "closed": f.closed, "open": f.open,
        "open_without_call": f.without_call, "mrr_due": f.mrr_due,
        "expected_renewals": f.expected_renewals, "kizuna_grr": f.kizuna_grr,
        "kizuna_nrr": f.kizuna_nrr, "commit_grr": f.commit_grr, "commit_nrr": f.commit_nrr,
        "commit_likely_grr": f.likely_grr, "commit_likely_nrr": f.likely_nrr,
    }  # fmt: skip


@router.get(
    "/renewals/calibration",
    response={200: CalibrationOut, **errors(403)},
    summary="The forecast's calibration and backtest (reliability, Brier score, past quarters)",
)
def get_renewal_calibration(request: AuthedRequest) -> Any:
    require_renewal_forecast_view(request.user)
    data = forecast_for(today=tenant_today())
    bt = data.backtest
    return {
        "as_of": data.as_of,
        "prior_weight": data.calibration.prior_weight,
        "renewals": data.calibration.overall.renewals,
        "overall_probability": data.calibration.overall.p,
        "cells": [
            {"grade": grade, "touch_model": segment, "renewals": r.renewals,
             "renewed": r.renewed, "actual_rate": r.actual, "probability": r.p,
             "kept_ratio": r.q, "expansion_ratio": r.e}
            for (grade, segment), r in calibration_cells(data.calibration)
        ],
        "reliability": [
            {"grade": r.grade, "touch_model": r.segment, "renewals": r.renewals,
             "predicted": r.predicted, "actual": r.actual}
            for r in bt.reliability
        ],
        "brier": bt.brier,
        "backtested_renewals": bt.renewals,
        "past_quarters": [
            {"quarter": q.quarter.key, "renewals": q.renewals, "mrr_due": q.mrr_due,
             "forecast_renewals": q.forecast_renewals, "actual_renewals": q.actual_renewals,
             "forecast_grr": q.forecast_grr, "actual_grr": q.actual_grr,
             "forecast_nrr": q.forecast_nrr, "actual_nrr": q.actual_nrr}
            for q in bt.quarters
        ],
        "grr_mae": bt.grr_mae,
        "nrr_mae": bt.nrr_mae,
    }  # fmt: skip
