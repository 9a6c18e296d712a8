"""The usage operations page (admins): sources and freshness, ingestion runs, quarantine.

``ops_page`` draws the usage part; the page at ``usage:ops`` is composed in
``pages.views.ops`` (it adds the import runs, which this data app may not read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from kizuna.apps.customers.models import Account
from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_operate_usage
from kizuna.apps.usage.models import UsageSource
from kizuna.apps.usage.selectors import account_by_key, usage_ops_data
from kizuna.apps.usage.services.ingestion import (
    account_key_map,
    usage_file_import,
    usage_quarantine_replay,
)
from kizuna.apps.usage.services.upkeep import (
    FailedDayGone,
    usage_failed_day_discard,
    usage_failed_day_retry,
)
from kizuna.core.usage.schema import FILE_FORMATS, UsageFileError


class KeyMappingForm(forms.Form):
    source = forms.ModelChoiceField(UsageSource.objects.all(), label=gettext_lazy("Usage source"))
    account_key = forms.CharField(max_length=200, label=gettext_lazy("Account key"))
    account = forms.CharField(
        max_length=64,
        label=gettext_lazy("Kizuna account (ID or CRM ID)"),
    )

    def clean_account(self) -> Account:
        found = account_by_key(self.cleaned_data["account"].strip())
        if found is None:
            raise forms.ValidationError(_("No account with this ID or CRM ID."))
        return found


class UsageUploadForm(forms.Form):
    source = forms.ModelChoiceField(UsageSource.objects.all(), label=gettext_lazy("Usage source"))
    file = forms.FileField(
        label=gettext_lazy("Events file"),
        help_text=gettext_lazy("CSV, Parquet or JSON lines (.csv, .parquet, .jsonl)"),
    )


def _require_admin(request: AuthedRequest) -> None:
    if not can_operate_usage(request.user):
        raise PermissionDenied


def ops_page(
    request: AuthedRequest,
    *,
    template: str = "usage/ops.html",
    parts: Mapping[str, object] | None = None,
) -> HttpResponse:
    """The usage part of the ops page (``usage:ops``), and its key-mapping form. The page
    itself is composed in ``pages.views.ops``, which adds the other apps' ``parts`` (the import
    runs) and its own ``template`` (``usage/ops.html`` with the parts' block filled)."""
    _require_admin(request)
    form = KeyMappingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_key_map(
            source=form.cleaned_data["source"],
            account_key=form.cleaned_data["account_key"].strip(),
            account_id=form.cleaned_data["account"].pk,
        )
        messages.success(request, _("Mapping saved. Replay the quarantine to ingest its events."))
        return redirect("usage:ops")
    upload_form = UsageUploadForm(initial={"source": UsageSource.objects.first()})
    context = {
        "ops": usage_ops_data(),
        "form": form,
        "upload_form": upload_form,
        "nav": "usage",
        "can_operate": can_operate_usage(request.user),
        **(parts or {}),
    }
    return render(request, template, context, status=400 if form.errors else 200)


@login_required
@require_POST
def replay(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    if not confirmed(request):
        return redirect(reverse("usage:ops") + "#quarantine")
    runs = usage_quarantine_replay(actor=request.user)
    stored = sum(run.rows_stored for run in runs)
    still = sum(run.rows_rejected for run in runs)
    messages.success(
        request,
        ngettext(
            "Replayed: %(stored)d event stored, %(still)d still rejected.",
            "Replayed: %(stored)d events stored, %(still)d still rejected.",
            stored,
        )
        % {"stored": stored, "still": still},
    )
    return redirect("usage:ops")


@login_required
@require_POST
def upload(request: AuthedRequest) -> HttpResponse:
    """Import an uploaded events file, the same way as ``kizuna usage import``."""
    _require_admin(request)
    form = UsageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("usage:ops")
    upload = form.cleaned_data["file"]
    name = upload.name or ""
    file_format = FILE_FORMATS.get(Path(name).suffix.lower())
    if file_format is None:
        messages.error(request, _("Upload a .csv, .parquet or .jsonl file."))
        return redirect("usage:ops")
    try:
        result = usage_file_import(
            source=form.cleaned_data["source"],
            data=upload.read(),
            file_format=file_format,
            name=name,
            actor=request.user,
        )
    except UsageFileError as error:
        messages.error(
            request, _("%(file)s was not imported: %(error)s") % {"file": name, "error": error}
        )
        return redirect("usage:ops")
    messages.success(
        request,
        _("%(file)s: %(stored)d events stored, %(rejected)d rejected.")
        % {"file": name, "stored": result.stored, "rejected": result.rejected},
    )
    return redirect("usage:ops")


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


@login_required
@require_POST
def failed_day_retry(request: AuthedRequest, day: str) -> HttpResponse:
    """Roll up a day whose rollup failed, now (confirmed)."""
    _require_admin(request)
    when = _day(day)
    if not confirmed(request):
        return redirect(reverse("usage:ops") + "#rollup-failed")
    try:
        done = usage_failed_day_retry(actor=request.user, day=when)
    except FailedDayGone:
        raise Http404 from None
    if done:
        messages.success(request, _("%(day)s was rolled up.") % {"day": when.isoformat()})
    else:
        messages.error(
            request,
            _("The rollup of %(day)s failed again; the cause is shown below.")
            % {"day": when.isoformat()},
        )
    return redirect(reverse("usage:ops") + "#rollup-failed")


@login_required
@require_POST
def failed_day_discard(request: AuthedRequest, day: str) -> HttpResponse:
    """Take a failed day off the queue without rolling it up (confirmed)."""
    _require_admin(request)
    when = _day(day)
    if not confirmed(request):
        return redirect(reverse("usage:ops") + "#rollup-failed")
    try:
        usage_failed_day_discard(actor=request.user, day=when)
    except FailedDayGone:
        raise Http404 from None
    messages.success(
        request,
        _("%(day)s was taken off the rollup queue; its figures stay as they were.")
        % {"day": when.isoformat()},
    )
    return redirect(reverse("usage:ops") + "#rollup-failed")
