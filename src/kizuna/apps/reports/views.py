"""The monthly report's pages: the printable report of a month, its PDF, and the recipients'
settings (admins). Views translate HTTP; the figures come from ``selectors.monthly_report``."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kizuna.apps.front.form_helpers import form_page
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_edit_report_recipients, can_view_monthly_report
from kizuna.apps.reports import services
from kizuna.apps.reports.forms import RecipientsForm
from kizuna.apps.reports.pdf import PdfUnavailable, chromium_executable
from kizuna.apps.reports.printing import report_filename, report_pdf
from kizuna.apps.reports.selectors import (
    last_complete_month,
    monthly_report,
    report_month,
)
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import month_start_after, month_start_before

NAV = "report"
logger = logging.getLogger("kizuna.reports")
FIRST_MONTH = dt.date(1, 1, 1)


def _require_view(request: AuthedRequest) -> None:
    if not can_view_monthly_report(request.user):
        raise PermissionDenied


@login_required
def latest(request: AuthedRequest) -> HttpResponse:
    """The last complete month's report."""
    _require_view(request)
    month = last_complete_month(tenant_today())
    return redirect("reports:page", month=f"{month:%Y-%m}")


@login_required
def page(request: AuthedRequest, month: str) -> HttpResponse:
    _require_view(request)
    today = tenant_today(request.tenant)
    chosen = report_month(month, today=today)
    if chosen is None:
        raise Http404
    zone = zoneinfo.ZoneInfo(request.tenant.time_zone)
    report = monthly_report(
        month=chosen,
        currency=request.tenant.currency,
        zone=zone,
        fiscal_start_month=request.tenant.fiscal_year_start_month,
    )
    last = last_complete_month(today)
    context = {
        "nav": NAV,
        "report": report,
        "company_name": request.tenant.company_name,
        "previous_month": f"{month_start_before(chosen, 1):%Y-%m}" if chosen > FIRST_MONTH else "",
        "next_month": f"{month_start_after(chosen, 1):%Y-%m}" if chosen < last else "",
        "link_base": "",
        "pdf_url": reverse("reports:pdf", kwargs={"month": f"{chosen:%Y-%m}"}),
        "pdf_ready": chromium_executable() is not None,
        "can_edit_recipients": can_edit_report_recipients(request.user),
    }
    return render(request, "reports/report.html", context)


@login_required
def pdf(request: AuthedRequest, month: str) -> HttpResponse:
    _require_view(request)
    chosen = report_month(month, today=tenant_today(request.tenant))
    if chosen is None:
        raise Http404
    try:
        document = report_pdf(month=chosen, language=get_language() or "ja")
    except PdfUnavailable as error:
        logger.warning("monthly report %s: no PDF: %s", month, error)
        context = {
            "nav": NAV,
            "month": chosen,
            "page_url": reverse("reports:page", kwargs={"month": f"{chosen:%Y-%m}"}),
        }
        return render(request, "reports/pdf_unavailable.html", context, status=503)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report_filename(chosen)}"'
    return response


@login_required
def recipients(request: AuthedRequest) -> HttpResponse:
    """Who receives the report by e-mail, and in which language (admins)."""
    if not can_edit_report_recipients(request.user):
        raise PermissionDenied
    form = RecipientsForm(request.POST or None, instance=services.report_settings_get())
    if request.method == "POST" and form.is_valid():
        services.report_settings_set(
            actor=request.user,
            recipients=form.cleaned_data["recipients"],
            language=form.cleaned_data["language"],
        )
        messages.success(request, _("Recipients saved."))
        return redirect("reports:latest")
    return form_page(
        request,
        form,
        heading=_("Monthly report recipients"),
        cancel_url=reverse("reports:latest"),
        nav=NAV,
        back_label=_("Monthly report"),
    )
