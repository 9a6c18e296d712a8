"""Renewal pages: the pipeline (filters, totals by month, stage, forecast call and plan
status; CSV of the table), one renewal (its lines, stage and call, the closing plan editor,
the review history and the sign-off), and the review cadence per touch model. Every member
reads (``org.access.can_view_renewals``); the account's owner, its team's manager and admins
work a renewal; managers and admins sign off; admins keep the cadence."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.customers.models import Segment
from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    can_edit_review_cadence,
    can_view_renewals,
    renewal_permissions,
    require_review_cadence_edit,
)
from kizuna.apps.renewals import selectors, services
from kizuna.apps.renewals.forms import (
    CadenceForm,
    CallForm,
    PipelineFilterForm,
    PlanForm,
    SignOffForm,
    StageForm,
    StepFormSet,
    plan_initial,
    status_labels,
    steps_of,
)
from kizuna.apps.renewals.models import ForecastCall, Renewal, Stage
from kizuna.apps.tenant.selectors import tenant_today


@dataclass(frozen=True)
class PipelineLabels:
    """The words for each stage, forecast call and plan status, by code."""

    status: Mapping[str, str]
    stage: Mapping[str, str]
    call: Mapping[str, str]


#: the pipeline's table shows this many rows; the totals and the CSV count every row
TABLE_ROWS = 500


def _require_view(request: AuthedRequest) -> None:
    if not can_view_renewals(request.user):
        raise PermissionDenied


def _error_text(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


@login_required
def pipeline(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    today = tenant_today(request.tenant)
    form = PipelineFilterForm(request.GET or None, today=today)
    filters = form.filters()
    rows = selectors.pipeline_rows(filters, today=today)
    if request.GET.get("format") == "csv":
        return _pipeline_csv(rows)
    labels = status_labels()
    context = {
        "nav": "renewals",
        "currency": request.tenant.currency,
        "form": form,
        "filters": filters,
        "rows": rows[:TABLE_ROWS],
        "more": max(0, len(rows) - TABLE_ROWS),
        "totals": selectors.pipeline_totals(rows, filters),
        "labels": PipelineLabels(
            status=labels,
            stage={code: str(label) for code, label in Stage.choices},
            call={
                **{code: str(label) for code, label in ForecastCall.choices},
                "": _("(no call yet)"),
            },
        ),
        "as_of": selectors.refreshed_at(),
        "today": today,
        "csv_query": _with_format(request),
        "can_edit_cadence": can_edit_review_cadence(request.user),
    }
    return render(request, "renewals/pipeline.html", context)


def _with_format(request: AuthedRequest) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()


def _pipeline_csv(rows: list[selectors.PipelineRow]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kizuna-renewals.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(
        [
            "renewal_id", "date", "account_id", "account", "touch_model", "team", "owner",
            "mrr_due", "arr_due", "stage", "forecast_call", "plan_status", "next_review_on",
            "last_review_on", "mrr_after", "outcome",
        ]
    )  # fmt: skip
    for row in rows:
        r, account = row.renewal, row.renewal.account
        writer.writerow(
            [
                r.pk, r.date.isoformat(), account.pk, account.name, account.segment,
                account.team.code if account.team else "",
                account.owner.username if account.owner else "",
                r.mrr_due, r.arr_due, r.stage, r.forecast_call, row.status,
                row.next_review_on.isoformat() if row.next_review_on else "",
                row.last_review_on.isoformat() if row.last_review_on else "",
                "" if r.mrr_after is None else r.mrr_after, r.outcome,
            ]
        )  # fmt: skip
    return response


def _renewal(renewal_id: int) -> Renewal:
    return get_object_or_404(
        Renewal.objects.select_related("account__owner", "account__team"), pk=renewal_id
    )


def _detail(
    request: AuthedRequest,
    renewal: Renewal,
    *,
    plan_form: PlanForm | None = None,
    steps: Any = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = tenant_today(request.tenant)
    data = selectors.renewal_detail(renewal, today=today)
    perms = renewal_permissions(request.user, renewal.account)
    base, step_rows = plan_initial(data["plan"])
    context = {
        "nav": "renewals",
        "currency": request.tenant.currency,
        "renewal": renewal,
        **data,
        "perms": perms,
        "today": today,
        "as_of": renewal.refreshed_at,
        "status_label": status_labels()[data["status"]],
        "stage_form": StageForm(initial={"stage": renewal.stage}),
        "call_form": CallForm(initial={"forecast_call": renewal.forecast_call}),
        "plan_form": plan_form or PlanForm(initial=base),
        "step_forms": steps or StepFormSet(initial=step_rows, prefix="steps"),
        "sign_off_form": SignOffForm(),
        "errors": errors or [],
    }
    return render(request, "renewals/detail.html", context, status=status)


@login_required
def renewal_detail(request: AuthedRequest, renewal_id: int) -> HttpResponse:
    _require_view(request)
    return _detail(request, _renewal(renewal_id))


def _set_field(
    request: AuthedRequest,
    renewal_id: int,
    form: StageForm | CallForm,
    *,
    invalid: str,
    apply: Callable[[Renewal, Any], object],
    done: str,
) -> HttpResponse:
    """Set one field of a renewal from ``form`` (its only field) and go back to the renewal's
    page with what happened."""
    renewal = _renewal(renewal_id)
    if not renewal_permissions(request.user, renewal.account).work:
        raise PermissionDenied
    if not form.is_valid():
        messages.error(request, invalid)
        return redirect("renewals:detail", renewal.pk)
    try:
        apply(renewal, next(iter(form.cleaned_data.values())))
    except ValidationError as error:
        for text in _error_text(error):
            messages.error(request, text)
    else:
        messages.success(request, done)
    return redirect("renewals:detail", renewal.pk)


@login_required
@require_POST
def renewal_stage(request: AuthedRequest, renewal_id: int) -> HttpResponse:
    return _set_field(
        request,
        renewal_id,
        StageForm(request.POST),
        invalid=_("Choose not started, plan drafted, in negotiation or committed."),
        apply=lambda renewal, stage: services.renewal_set_stage(
            actor=request.user, renewal=renewal, stage=stage
        ),
        done=_("Stage saved."),
    )


@login_required
@require_POST
def renewal_call(request: AuthedRequest, renewal_id: int) -> HttpResponse:
    return _set_field(
        request,
        renewal_id,
        CallForm(request.POST),
        invalid=_("Choose commit, likely, at risk or lost."),
        apply=lambda renewal, call: services.renewal_set_call(
            actor=request.user, renewal=renewal, call=call
        ),
        done=_("Forecast call saved."),
    )


@login_required
@require_POST
def plan_save(request: AuthedRequest, renewal_id: int) -> HttpResponse:
    renewal = _renewal(renewal_id)
    if not renewal_permissions(request.user, renewal.account).work:
        raise PermissionDenied
    form = PlanForm(request.POST)
    steps = StepFormSet(request.POST, prefix="steps")
    errors: list[str] = []
    if form.is_valid() and steps.is_valid():
        try:
            services.plan_save(actor=request.user, renewal=renewal, **form.cleaned_data,
                               steps=steps_of(steps))  # fmt: skip
        except ValidationError as error:
            errors = _error_text(error)
        else:
            messages.success(request, _("Closing plan saved."))
            return redirect("renewals:detail", renewal.pk)
    renewal.refresh_from_db()
    return _detail(request, renewal, plan_form=form, steps=steps, errors=errors, status=400)


@login_required
@require_POST
def review_sign_off(request: AuthedRequest, renewal_id: int) -> HttpResponse:
    renewal = _renewal(renewal_id)
    if not renewal_permissions(request.user, renewal.account).sign_off:
        raise PermissionDenied
    form = SignOffForm(request.POST)
    if not confirmed(request):
        return redirect("renewals:detail", renewal.pk)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, str(error))
        return redirect("renewals:detail", renewal.pk)
    try:
        review = services.review_sign_off(
            actor=request.user,
            renewal=renewal,
            note=form.cleaned_data["note"],
            reviewed_on=form.cleaned_data["reviewed_on"],
        )
    except ValidationError as error:
        for text in _error_text(error):
            messages.error(request, text)
    else:
        following = review.plan.next_review_on
        messages.success(
            request,
            _("Review signed off. Next review: %(day)s.")
            % {"day": date_format(following, "SHORT_DATE_FORMAT") if following else "—"},
        )
    return redirect("renewals:detail", renewal.pk)


@login_required
def cadence_settings(request: AuthedRequest) -> HttpResponse:
    """Every touch model's cadence; admins change them (one save for all)."""
    _require_view(request)
    stored = selectors.cadences()
    forms_ = {
        segment: CadenceForm(
            request.POST or None,
            prefix=segment,
            initial={
                "lead_days": stored[segment].lead_days,
                "plan_required": stored[segment].plan_required,
                "plan_from_days": stored[segment].plan_from_days,
                "review_every_days": stored[segment].every_days,
            },
        )
        for segment in Segment.values
    }
    if request.method == "POST":
        require_review_cadence_edit(request.user)
        if all(form.is_valid() for form in forms_.values()):
            for segment, form in forms_.items():
                services.cadence_save(actor=request.user, segment=segment, **form.cleaned_data)
            messages.success(request, _("Review cadence saved. It applies from the next refresh."))
            return redirect("renewals:cadence")
    context = {
        "nav": "renewals",
        "rows": [(label, forms_[value]) for value, label in Segment.choices],
        "can_edit": can_edit_review_cadence(request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "renewals/cadence.html", context, status=status)
