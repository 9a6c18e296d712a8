"""The KPI home (``/kpis/``) and the targets (``/kpis/targets/``). Views translate HTTP; the
figures come from ``selectors`` (stored KPI snapshots), the writes from ``services``; every
permission from ``org.access``."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kizuna.apps.front.form_helpers import form_action_run
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.kpis import charts, selectors, services
from kizuna.apps.kpis.forms import TargetForm
from kizuna.apps.kpis.models import CutKind
from kizuna.apps.org.access import (
    can_edit_kpi_targets,
    can_view_kpi_cut,
    can_view_kpis,
    default_kpi_cut,
)
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import fiscal_year


@dataclass(frozen=True, slots=True)
class CutOption:
    cut: str
    value: str
    label: str
    selected: bool


def _cut(request: AuthedRequest) -> tuple[str, str]:
    cut, _sep, value = (request.GET.get("for") or "").partition(":")
    if cut not in CutKind.values:
        return default_kpi_cut(request.user)
    return (cut, "" if cut == CutKind.COMPANY else value)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Each KPI against its target, its trend and the cut that drags it; ``?for=team:<code>``
    (``segment:<code>``, ``csm:<username>``, ``company:``) for another cut; ``?format=csv``
    downloads the cards."""
    if not can_view_kpis(request.user):
        raise PermissionDenied
    cut, value = _cut(request)
    if not can_view_kpi_cut(request.user, cut, value):
        raise PermissionDenied
    today = tenant_today(request.tenant)
    data = selectors.kpi_home(
        today=today,
        fiscal_start_month=request.tenant.fiscal_year_start_month,
        cut=cut,
        value=value,
    )
    if request.GET.get("format") == "csv":
        return _home_csv(data)
    options = [
        CutOption(c, v, label, (c, v) == (cut, value))
        for (c, v), label in selectors.cut_labels().items()
        if can_view_kpi_cut(request.user, c, v)
    ]
    return render(
        request,
        "kpis/home.html",
        {
            "nav": "kpis",
            "data": data,
            "cards": charts.card_views(data),
            "options": options,
            "today": today,
            "can_edit": can_edit_kpi_targets(request.user),
        },
    )


def _home_csv(data: selectors.KpiHome) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kizuna-kpis.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(
        ["kpi", "cut", "value", "period", "period_start", "figure", "numerator", "denominator",
         "target", "meets", "dragging_cut", "dragging_value", "dragging_figure", "as_of"]
    )  # fmt: skip
    for card in data.cards:
        drag = card.drag
        writer.writerow(
            [
                card.key, data.cut, data.value, card.period,
                card.period_start.isoformat() if card.period_start else "",
                _blank(card.figure), _blank(card.numerator), _blank(card.denominator),
                _blank(card.target), "" if card.meets is None else int(card.meets),
                drag.cut if drag else "", drag.value if drag else "",
                _blank(drag.figure) if drag else "", data.as_of.isoformat() if data.as_of else "",
            ]
        )  # fmt: skip
    return response


def _blank(number: float | None) -> object:
    return "" if number is None else number


@login_required
def targets(request: AuthedRequest) -> HttpResponse:
    """The targets of a fiscal year (``?year=``, default this one), what they imply, and for
    admins the form that sets one (empty removes it, after confirmation)."""
    if not can_view_kpis(request.user):
        raise PermissionDenied
    start_month = request.tenant.fiscal_year_start_month
    this_year = fiscal_year(tenant_today(request.tenant), start_month)
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    year = min(max(year, 1), 9998)
    form = TargetForm(initial={"fiscal_year": year, "cut": "company:"})
    status = 200
    if request.method == "POST":
        if not can_edit_kpi_targets(request.user):
            raise PermissionDenied
        form = TargetForm(request.POST)
        removing = form.is_valid() and form.cleaned_data["target"] is None
        if removing and request.POST.get("confirm") != "yes":
            form.add_error(None, _("Tick the confirmation box to remove a target."))
        elif form_action_run(
            form, lambda _data: services.kpi_target_save(actor=request.user, **form.service_args())
        ):
            messages.success(request, _("The target is saved."))
            saved_year = form.cleaned_data["fiscal_year"]
            return redirect(reverse("kpis:targets") + f"?year={saved_year}")
        status = 400
    book = selectors.target_book(year)
    return render(
        request,
        "kpis/targets.html",
        {
            "nav": "kpis",
            "year": year,
            "years": [this_year - 1, this_year, this_year + 1],
            "rows": selectors.target_rows(book),
            "set_targets": selectors.kpi_targets(year),
            "plan": selectors.plan_view(year, start_month, book),
            "form": form,
            "can_edit": can_edit_kpi_targets(request.user),
            "currency": request.tenant.currency,
        },
        status=status,
    )
