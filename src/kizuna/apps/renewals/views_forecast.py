"""The renewal forecast page (``/renewals/forecast/``): this quarter's and the next quarter's
forecast (Kizuna's beside the CSMs' calls), past quarters' forecast against what happened,
the reliability chart and table, the Brier score. ``?format=csv&table=<name>`` downloads one
table (``forecast.CSV_HEADERS``). Read by every member (``org.access``)."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from kizuna.apps.customers.models import Segment
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import require_renewal_forecast_view
from kizuna.apps.renewals import forecast_charts
from kizuna.apps.renewals.forecast import (
    CSV_HEADERS,
    Forecast,
    calibration_cells,
    csv_rows,
    forecast_for,
)
from kizuna.apps.tenant.selectors import tenant_today


def _csv(table: str, data: Forecast) -> HttpResponse:
    if table not in CSV_HEADERS:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kizuna-renewal-forecast-{table}-{data.as_of:%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(CSV_HEADERS[table])
    writer.writerows(
        [["" if value is None else value for value in row] for row in csv_rows(table, data)]
    )
    return response


@login_required
def forecast(request: AuthedRequest) -> HttpResponse:
    require_renewal_forecast_view(request.user)
    data = forecast_for(today=tenant_today())
    if request.GET.get("format") == "csv":
        return _csv(request.GET.get("table", ""), data)
    touch = {str(value): str(label) for value, label in Segment.choices}
    context = {
        "nav": "renewals",
        "data": data,
        "quarters": [(forecast_charts.quarter_label(q.quarter), q) for q in data.quarters],
        "past": [(forecast_charts.quarter_label(q.quarter), q) for q in data.backtest.quarters],
        "past_chart": forecast_charts.past_quarters(data.backtest),
        "reliability_chart": forecast_charts.reliability(data.backtest),
        "reliability_rows": [
            (forecast_charts.grade_name(r.grade), touch.get(r.segment, r.segment), r)
            for r in data.backtest.reliability
        ],
        "calibration_rows": [
            (forecast_charts.grade_name(grade), touch.get(segment, segment), rates)
            for (grade, segment), rates in calibration_cells(data.calibration)
        ],
        "overall": data.calibration.overall,
        "currency": request.tenant.currency,
    }
    return render(request, "renewals/forecast.html", context)
