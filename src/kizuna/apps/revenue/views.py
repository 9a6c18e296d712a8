"""The executive revenue dashboard (read by every member) and the targets form (admins).

The page reads only the snapshot tables; ``?format=csv&chart=<name>`` downloads the figures
behind one chart with the same filters.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_manage_tenant
from kizuna.apps.revenue.dashboard import (
    CHARTS,
    RevenueDashboard,
    csv_table,
    revenue_dashboard,
    target_rows,
)
from kizuna.apps.revenue.forms import DashboardFilterForm, RevenueTargetForm
from kizuna.apps.revenue.selectors import revenue_targets, snapshots_computed_at
from kizuna.apps.revenue.services import revenue_target_save


def _csv_response(chart: str, data: RevenueDashboard | None) -> HttpResponse:
    if chart not in CHARTS:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kizuna-revenue-{chart}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    header, rows = csv_table(chart, data)
    writer.writerow(header)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return response


def _cut_label(form: DashboardFilterForm, dimension: str, value: str) -> str:
    if not dimension:
        return ""
    field = form.fields[dimension]
    choices = dict(getattr(field, "choices", []))
    return str(choices.get(value, value or _("(none)")))


def _page(
    request: AuthedRequest, target_form: RevenueTargetForm | None = None, status: int = 200
) -> HttpResponse:
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    targets = revenue_targets()
    data = revenue_dashboard(filters=filters, currency=request.tenant.currency, targets=targets)
    if request.GET.get("format") == "csv":
        return _csv_response(request.GET.get("chart", ""), data)
    can_edit = can_manage_tenant(request.user)
    context = {
        "nav": "revenue",
        "form": form,
        "filters": filters,
        "data": data,
        "can_edit_targets": can_edit,
        "target_form": target_form or (RevenueTargetForm() if can_edit else None),
        "query": request.GET.urlencode(),
        "target_rows": target_rows(targets),
        "cut_label": _cut_label(form, filters.cut.dimension, filters.cut.value),
        "computed_at": snapshots_computed_at(),
    }
    return render(request, "revenue/dashboard.html", context, status=status)


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def targets_save(request: AuthedRequest) -> HttpResponse:
    if not can_manage_tenant(request.user):
        raise PermissionDenied
    form = RevenueTargetForm(request.POST)
    if form.is_valid():
        try:
            revenue_target_save(
                actor=request.user, segment=form.cleaned_data["segment"], **form.rates()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Targets saved."))
            return redirect("revenue:dashboard")
    return _page(request, target_form=form, status=400)
