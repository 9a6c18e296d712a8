"""Logging, correcting and deleting a touchpoint from the account page, and importing
touchpoints from a CSV export (upload → column mapping and dry-run preview → import → result)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.models import Contact
from kizuna.apps.front.form_helpers import account_form_page, confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_view_touchpoint_import, require_touchpoint_import
from kizuna.apps.touchpoints.access import access_touchpoint
from kizuna.apps.touchpoints.forms import (
    TouchpointForm,
    TouchpointImportMappingForm,
    TouchpointImportUploadForm,
)
from kizuna.apps.touchpoints.imports import (
    import_plan,
    import_rejected_rows,
    import_touchpoints,
    touchpoint_import_remap,
    touchpoint_import_run,
    touchpoint_import_start,
)
from kizuna.apps.touchpoints.models import ImportStatus, Touchpoint, TouchpointImport
from kizuna.apps.touchpoints.services import (
    touchpoint_create,
    touchpoint_delete,
    touchpoint_update,
)
from kizuna.integrations.activity_csv import read_table


def _saved(
    form: TouchpointForm, save: Callable[[dict[str, Any], list[Contact]], Touchpoint]
) -> bool:
    """Validate a posted touchpoint form and save it through ``save``; a date or contact the
    service refuses comes back on the form. True once saved."""
    if not form.is_bound or not form.is_valid():
        return False
    data = {k: v for k, v in form.cleaned_data.items() if k != "contacts"}
    try:
        save(data, list(form.cleaned_data["contacts"]))
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


@login_required
def touchpoint_new(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    form = TouchpointForm(request.POST or None, account=account, user=request.user)
    if _saved(
        form,
        lambda data, contacts: touchpoint_create(
            actor=request.user, account=account, data=data, contacts=contacts
        ),
    ):
        messages.success(request, _("Touchpoint logged."))
        next_url = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            return redirect(next_url)
        return redirect("customers:account_detail", account.pk)
    return account_form_page(request, form, heading=_("Log a touchpoint"), account=account)


def _timeline_url(touchpoint: Touchpoint) -> str:
    return reverse("customers:account_detail", args=[touchpoint.account_id]) + "#touchpoints"


@login_required
def touchpoint_edit(request: AuthedRequest, touchpoint_id: int) -> HttpResponse:
    """Correct a touchpoint: its author, a manager of the account's team, an admin (else 403)."""
    touchpoint = access_touchpoint(request.user, touchpoint_id, write=True)
    account = touchpoint.account
    initial = {
        "kind": touchpoint.kind,
        "occurred_at": timezone.localtime(touchpoint.occurred_at).replace(second=0, microsecond=0),
        "csm": touchpoint.csm_id,
        "contacts": list(touchpoint.contacts.values_list("pk", flat=True)),
        "summary": touchpoint.summary,
    }
    form = TouchpointForm(request.POST or None, initial=initial, account=account, user=request.user)
    if _saved(
        form,
        lambda data, contacts: touchpoint_update(
            actor=request.user, touchpoint=touchpoint, data=data, contacts=contacts
        ),
    ):
        messages.success(request, _("Touchpoint updated."))
        return redirect(_timeline_url(touchpoint))
    return account_form_page(request, form, heading=_("Edit the touchpoint"), account=account)


@login_required
def touchpoint_delete_confirm(request: AuthedRequest, touchpoint_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes (audited). Same permission as editing."""
    touchpoint = access_touchpoint(request.user, touchpoint_id, write=True)
    if request.method == "POST":
        touchpoint_delete(actor=request.user, touchpoint=touchpoint)
        messages.success(request, _("Touchpoint deleted."))
        return redirect(_timeline_url(touchpoint))
    context = {
        "touchpoint": touchpoint,
        "account": touchpoint.account,
        "cancel_url": _timeline_url(touchpoint),
        "nav": "accounts",
    }
    return render(request, "touchpoints/touchpoint_confirm_delete.html", context)


@login_required
def import_upload(request: AuthedRequest) -> HttpResponse:
    require_touchpoint_import(request.user)
    form = TouchpointImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record, _plan = touchpoint_import_start(
                actor=request.user,
                file_name=upload.name or "",
                data=upload.read(),
                source=form.cleaned_data["source"],
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("touchpoints:import_detail", record.pk)
    context = {"form": form, "nav": "accounts"}
    status = 400 if form.errors else 200
    return render(request, "touchpoints/import_upload.html", context, status=status)


def _own_import(request: AuthedRequest, import_id: int) -> TouchpointImport:
    """The member's own import (an admin sees every import); anyone else's is a 404."""
    require_touchpoint_import(request.user)
    record = get_object_or_404(TouchpointImport, pk=import_id)
    if not can_view_touchpoint_import(request.user, created_by_id=record.created_by_id):
        raise Http404
    return record


@login_required
def import_detail(request: AuthedRequest, import_id: int) -> HttpResponse:
    record = _own_import(request, import_id)
    if record.status == ImportStatus.IMPORTED:
        context = {
            "record": record,
            "rejected": import_rejected_rows(record),
            "touchpoints": import_touchpoints(record=record),
            "nav": "accounts",
        }
        return render(request, "touchpoints/import_result.html", context)
    headers = read_table(record.raw_csv).headers
    form = TouchpointImportMappingForm(
        request.POST or None, headers=headers, initial=record.mapping
    )
    if request.method == "POST" and form.is_valid():
        plan = touchpoint_import_remap(actor=request.user, record=record, mapping=form.cleaned_data)
    else:
        plan = import_plan(actor=request.user, record=record)
    context = {
        "record": record,
        "form": form,
        "plan": plan,
        "rejected": import_rejected_rows(record),
        "nav": "accounts",
    }
    return render(request, "touchpoints/import_preview.html", context)


@login_required
@require_POST
def import_run(request: AuthedRequest, import_id: int) -> HttpResponse:
    record = _own_import(request, import_id)
    if not confirmed(request):
        return redirect("touchpoints:import_detail", record.pk)
    try:
        record = touchpoint_import_run(actor=request.user, record=record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        count = record.created_count
        text = ngettext("%(count)d touchpoint imported.", "%(count)d touchpoints imported.", count)
        messages.success(request, text % {"count": count})
    return redirect("touchpoints:import_detail", record.pk)
