"""Closing the loop's pages: the detractor follow-ups (/surveys/detractors/, CSV too) and one
answer's page (/surveys/answers/<id>/) with its follow-up, task and revisions, and a
promoter's referral / CSQL actions. Permissions through ``org.access``; the work is in
``surveys.followups``."""

from __future__ import annotations

import csv
import zoneinfo
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    WorkScope,
    access_member,
    can_raise_csql,
    can_suggest_referral,
    can_view_detractor_followups,
    can_view_other_members,
    can_work_detractor_followup,
    detractor_followup_scope,
    task_owner_candidates,
)
from kizuna.apps.surveys import followups as services
from kizuna.apps.surveys.followup_selectors import (
    STATUS_FILTERS,
    FollowUpFilters,
    answer_page,
    followups_figures,
    followups_filtered,
    followups_scoped,
)
from kizuna.apps.surveys.models import DetractorFollowUp, FollowUpStatus, SurveyAnswer
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.voc.followup import is_overdue

PAGE_SIZE = 50
CSV_HEADER = (
    "answer_id", "account_id", "account", "owner", "score", "answered_at", "status",
    "sla_due_on", "overdue", "first_contact_at", "first_contact_via", "hours_to_first_contact",
    "task_id", "resolved_at", "resolved_by", "resolution_note", "withdrawn_at",
)  # fmt: skip


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("open", gettext_lazy("Open (new or contacted)")),
            *FollowUpStatus.choices,
        ],
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    withdrawn = forms.BooleanField(label=gettext_lazy("Include withdrawn"), required=False)


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("How it was resolved"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferralForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=services.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _require_view(request: AuthedRequest) -> None:
    if not can_view_detractor_followups(request.user):
        raise PermissionDenied


def _scope(request: AuthedRequest) -> tuple[WorkScope, Any]:
    """The default scope, or the member picked with ``?owner=`` (403 for a CSM)."""
    username = request.GET.get("owner")
    if username:
        member = access_member(request.user, username)
        return WorkScope(member=member), member
    return detractor_followup_scope(request.user), None


def _csv(rows: Any, today: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kizuna-detractor-followups.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for f in rows:
        hours = f.hours_to_first_contact
        writer.writerow([
            f.answer_id, f.account_id, f.account.name, f.owner.username if f.owner else "",
            f.score, f.answered_at.isoformat(), f.status, f.sla_due_on or "",
            _overdue(f, today), f.first_contact_at.isoformat() if f.first_contact_at else "",
            f.first_contact_via, f"{hours:.1f}" if hours is not None else "", f.task_id or "",
            f.resolved_at.isoformat() if f.resolved_at else "",
            f.resolved_by.username if f.resolved_by else "", f.resolution_note,
            f.withdrawn_at.isoformat() if f.withdrawn_at else "",
        ])  # fmt: skip
    return response


def _overdue(f: DetractorFollowUp, today: Any) -> bool:
    return is_overdue(
        sla_due_on=f.sla_due_on,
        contacted=f.contacted,
        resolved=f.status == FollowUpStatus.RESOLVED,
        today=today,
    )


@login_required
def detractor_list(request: AuthedRequest) -> HttpResponse:
    """The follow-ups a member sees (a CSM their accounts', a manager their team's, an admin
    all; ``?owner=`` for a manager or an admin), filtered; the two figures at the top."""
    _require_view(request)
    scope, member = _scope(request)
    form = ListFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = FollowUpFilters(
        status=data.get("status") or "",
        overdue=bool(data.get("overdue")),
        withdrawn=bool(data.get("withdrawn")),
    )
    today = tenant_today(request.tenant)
    found = followups_filtered(scope, filters, today=today)
    if request.GET.get("format") == "csv":
        return _csv(found.select_related("resolved_by"), today)
    zone = zoneinfo.ZoneInfo(request.tenant.time_zone)
    figures = followups_figures(followups_scoped(scope), as_of=today, zone=zone)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(f, _overdue(f, today)) for f in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "nav": "surveys",
        "form": form,
        "page": page,
        "rows": rows,
        "figures": figures,
        "member": member,
        "members": task_owner_candidates() if can_view_other_members(request.user) else [],
        "query": query.urlencode(),
        "status_filters": STATUS_FILTERS,
    }
    return render(request, "surveys/detractor_list.html", context)


@login_required
def answer_detail(request: AuthedRequest, answer_id: int) -> HttpResponse:
    _require_view(request)
    page = answer_page(answer_id)
    if page is None:
        raise Http404
    followup = page.followup
    account = page.answer.account
    can_work = followup is not None and can_work_detractor_followup(
        request.user, followup.account, owner_id=followup.owner_id
    )
    context = {
        "nav": "surveys",
        "page": page,
        "answer": page.answer,
        "followup": followup,
        "overdue": followup is not None and _overdue(followup, tenant_today(request.tenant)),
        "can_work": can_work,
        "resolve_form": ResolveForm(),
        "referral_form": ReferralForm(),
        "can_refer": page.promoter and can_suggest_referral(request.user, account),
        "can_raise_csql": page.promoter and can_raise_csql(request.user, account),
    }
    return render(request, "surveys/answer_detail.html", context)


def _followup(request: AuthedRequest, followup_id: int) -> DetractorFollowUp:
    _require_view(request)
    return get_object_or_404(DetractorFollowUp.objects.select_related("account"), pk=followup_id)


def _refused(request: AuthedRequest, error: ValidationError) -> None:
    for problems in error.message_dict.values():
        for problem in problems:
            messages.error(request, problem)


@login_required
@require_POST
def followup_resolve(request: AuthedRequest, followup_id: int) -> HttpResponse:
    followup = _followup(request, followup_id)
    if not can_work_detractor_followup(request.user, followup.account, owner_id=followup.owner_id):
        raise PermissionDenied
    form = ResolveForm(request.POST)
    if confirmed(request):
        if not form.is_valid():
            messages.error(request, _("Say how the follow-up was resolved."))
        else:
            try:
                services.followup_resolve(
                    actor=request.user, followup=followup, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                _refused(request, error)
            else:
                messages.success(request, _("Follow-up resolved."))
    return redirect("surveys:answer_detail", followup.answer_id)


@login_required
@require_POST
def followup_contacted(request: AuthedRequest, followup_id: int) -> HttpResponse:
    followup = _followup(request, followup_id)
    if not can_work_detractor_followup(request.user, followup.account, owner_id=followup.owner_id):
        raise PermissionDenied
    if confirmed(request):
        try:
            services.followup_mark_contacted(actor=request.user, followup=followup)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("First contact recorded."))
    return redirect("surveys:answer_detail", followup.answer_id)


@login_required
@require_POST
def referral_suggest(request: AuthedRequest, answer_id: int) -> HttpResponse:
    _require_view(request)
    answer = get_object_or_404(SurveyAnswer.objects.select_related("account"), pk=answer_id)
    if not can_suggest_referral(request.user, answer.account):
        raise PermissionDenied
    form = ReferralForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        _suggestion, created = services.referral_suggest(
            actor=request.user, answer=answer, note=note
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        if created:
            messages.success(request, _("Suggested for a referral."))
    return redirect("surveys:answer_detail", answer.pk)
