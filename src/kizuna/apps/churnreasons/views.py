"""The churn-reason pages: the list of churn events (missing reasons first, the member's own
accounts by default), the form that records or corrects one, the report (chart, tables, CSV)
and the taxonomy (CS ops admins edit it). Views translate HTTP; the work is in ``services``,
``selectors`` and ``report``; permissions in ``org.access``."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kizuna.apps.churnreasons import report as reports
from kizuna.apps.churnreasons import selectors, services
from kizuna.apps.churnreasons.forms import CategoryEditForm, CategoryForm, ReasonForm, ReportForm
from kizuna.apps.churnreasons.models import ChurnReason, ChurnReasonCategory
from kizuna.apps.front.form_helpers import form_action_run, form_page
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    can_edit_churn_taxonomy,
    can_record_churn_reason,
    can_view_churn_reasons,
    churn_reason_scope,
)
from kizuna.core import churn_reasons as core
from kizuna.core.calendar import month_end

PAGE_SIZE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kizuna-{name}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return response


REASON_CSV_HEADER = (
    "id", "account_id", "account", "owner", "line_id", "product", "churned_on", "segment",
    "lost_mrr", "category", "note", "recorded_by", "recorded_at",
)  # fmt: skip


def _reason_csv_row(r: ChurnReason) -> list[Any]:
    return [
        r.pk, r.account_id, r.account.name,
        r.account.owner.username if r.account.owner else "", r.line_id or "",
        r.line.product.code if r.line else "", r.churned_on.isoformat(), r.segment, r.lost_mrr,
        r.category.key if r.category else "", r.note,
        r.recorded_by.username if r.recorded_by else "",
        r.recorded_at.isoformat() if r.recorded_at else "",
    ]  # fmt: skip


@login_required
def reason_list(request: AuthedRequest) -> HttpResponse:
    """The churn events: ``?status=missing`` (the default) or ``recorded``; the member's own
    accounts (a manager: the team's) unless ``?scope=all``; ``?format=csv`` downloads them."""
    _require(can_view_churn_reasons(request.user))
    status: selectors.Status = "recorded" if request.GET.get("status") == "recorded" else "missing"
    everyone = request.GET.get("scope") == "all"
    scope = churn_reason_scope(request.user)
    filters = (
        selectors.ReasonFilters(status=status)
        if everyone
        else selectors.filters_for_scope(scope, status=status)
    )
    reasons = selectors.reasons_filtered(filters)
    if request.GET.get("format") == "csv":
        rows = (_reason_csv_row(r) for r in reasons.iterator(chunk_size=2000))
        return _csv(f"churn-reasons-{status}", REASON_CSV_HEADER, rows)
    page = Paginator(reasons, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "churn",
        "status": status,
        "everyone": everyone,
        "scoped": scope.member is not None or scope.team_id is not None,
        "page": page,
        "editable": {
            r.pk for r in page.object_list if can_record_churn_reason(request.user, r.account)
        },
    }
    return render(request, "churnreasons/list.html", context)


@login_required
def reason_form(request: AuthedRequest, reason_id: int) -> HttpResponse:
    """Record the reason of one churn event, or correct a recorded one."""
    reason = selectors.access_reason(reason_id)
    _require(can_record_churn_reason(request.user, reason.account))
    initial = {"category": reason.category, "note": reason.note} if not reason.is_missing else None
    form = ReasonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form_action_run(form, lambda d: _save(request, reason, d)):
        messages.success(request, _("Churn reason saved."))
        return redirect(f"{reverse('churnreasons:list')}?status=recorded")
    heading = _("Why did %(account)s churn on %(day)s?") % {
        "account": reason.account.name,
        "day": reason.churned_on.isoformat(),
    }
    return form_page(
        request,
        form,
        heading=heading,
        cancel_url=reverse("churnreasons:list"),
        nav="churn",
        back_label=_("Churn reasons"),
        reason=reason,
    )


def _save(request: AuthedRequest, reason: ChurnReason, data: dict[str, Any]) -> ChurnReason:
    if reason.is_missing:
        return services.churn_reason_record(
            actor=request.user,
            account=reason.account,
            line=reason.line,
            churned_on=reason.churned_on,
            category=data["category"],
            note=data["note"],
        )
    return services.churn_reason_update(
        actor=request.user, reason=reason, category=data["category"], note=data["note"]
    )


REPORT_CSV_HEADER = ("period", "group", "category", "count", "lost_mrr", "count_share", "mrr_share")
TOTALS_CSV_HEADER = ("category", "count", "lost_mrr", "count_share", "mrr_share")


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    """Churn reasons per period (month, fiscal quarter, fiscal year) and cut (segment,
    product), by lost MRR and by count; ``?format=csv`` downloads the table,
    ``&table=totals`` the totals per category."""
    _require(can_view_churn_reasons(request.user))
    form = ReportForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    period: core.Period = data.get("period") or "month"
    cut: core.Cut = data.get("cut") or "none"
    since, until = data.get("since"), data.get("until")
    result = reports.churn_report(
        period=period,
        cut=cut,
        fiscal_start_month=request.tenant.fiscal_year_start_month,
        since=since,
        until=month_end(until) if until else None,
    )
    if request.GET.get("format") == "csv":
        if request.GET.get("table") == "totals":
            return _csv(
                "churn-reasons-totals",
                TOTALS_CSV_HEADER,
                ([t.category, t.count, t.lost_mrr, _share(t.count_share), _share(t.mrr_share)]
                 for t in result.totals),
            )  # fmt: skip
        return _csv(
            f"churn-reasons-{period}-{cut}",
            REPORT_CSV_HEADER,
            ([c.period, c.group, c.category, c.count, c.lost_mrr, _share(c.count_share),
              _share(c.mrr_share)] for c in result.lines),
        )  # fmt: skip
    context = {
        "nav": "churn",
        "form": form,
        "report": result,
        "chart": reports.report_chart(result, request.tenant.currency),
    }
    return render(request, "churnreasons/report.html", context)


@login_required
def categories(request: AuthedRequest) -> HttpResponse:
    """The taxonomy, in its order; ``?format=csv`` downloads it."""
    _require(can_view_churn_reasons(request.user))
    rows = list(ChurnReasonCategory.objects.order_by("order", "key"))
    if request.GET.get("format") == "csv":
        return _csv(
            "churn-reason-categories",
            ("key", "name_ja", "name_en", "active", "order"),
            ([c.key, c.name_ja, c.name_en, c.active, c.order] for c in rows),
        )
    context = {
        "nav": "churn",
        "categories": rows,
        "can_edit": can_edit_churn_taxonomy(request.user),
    }
    return render(request, "churnreasons/categories.html", context)


@login_required
def category_new(request: AuthedRequest) -> HttpResponse:
    _require(can_edit_churn_taxonomy(request.user))
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form_action_run(
        form, lambda d: services.churn_category_create(actor=request.user, **d)
    ):
        messages.success(request, _("Category saved."))
        return redirect("churnreasons:categories")
    return form_page(
        request,
        form,
        heading=_("New churn reason category"),
        cancel_url=reverse("churnreasons:categories"),
        nav="churn",
        back_label=_("Churn reason categories"),
    )


@login_required
def category_edit(request: AuthedRequest, category_id: int) -> HttpResponse:
    _require(can_edit_churn_taxonomy(request.user))
    category = get_object_or_404(ChurnReasonCategory, pk=category_id)
    form = CategoryEditForm(request.POST or None, instance=category)
    if request.method == "POST" and form_action_run(
        form,
        lambda d: services.churn_category_update(actor=request.user, category=category, **d),
    ):
        messages.success(request, _("Category saved."))
        return redirect("churnreasons:categories")
    return form_page(
        request,
        form,
        heading=_("Churn reason category: %(name)s") % {"name": category.name},
        cancel_url=reverse("churnreasons:categories"),
        nav="churn",
        back_label=_("Churn reason categories"),
    )
