"""Playbook pages: the list, one playbook (its steps, its runs with their progress), the
editor for admins, starting a playbook on an account (from the account page's tasks panel) and
cancelling a run. Every member reads; admins edit (``org.access.can_edit_playbooks``); whoever
may edit an account starts and cancels its runs (``can_run_playbook``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.customers.access import access_account
from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    can_edit_playbooks,
    can_run_playbook,
    can_view_playbooks,
    require_playbooks_edit,
)
from kizuna.apps.playbooks import selectors, services
from kizuna.apps.playbooks.forms import (
    PlaybookForm,
    StartForm,
    StepFormSet,
    initial_of,
    steps_of,
)
from kizuna.apps.playbooks.models import Playbook, PlaybookRun, RunState
from kizuna.apps.tenant.selectors import tenant_today


def _require_view(request: AuthedRequest) -> None:
    if not can_view_playbooks(request.user):
        raise PermissionDenied


def _error_text(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


@login_required
def playbook_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    rows = [
        (playbook, playbook.runs.filter(state=RunState.RUNNING).count())
        for playbook in selectors.playbooks_list()
    ]
    context = {"nav": "playbooks", "rows": rows, "can_edit": can_edit_playbooks(request.user)}
    return render(request, "playbooks/list.html", context)


@login_required
def playbook_detail(request: AuthedRequest, playbook_id: int) -> HttpResponse:
    _require_view(request)
    playbook = get_object_or_404(Playbook, pk=playbook_id)
    today = tenant_today(request.tenant)
    rows = selectors.runs_with_progress(selectors.playbook_runs(playbook), today=today)
    context = {
        "nav": "playbooks",
        "playbook": playbook,
        "steps": list(playbook.steps.all()),
        "running": [r for r in rows if r.run.state == RunState.RUNNING],
        "ended": [r for r in rows if r.run.state != RunState.RUNNING],
        "can_edit": can_edit_playbooks(request.user),
        "can_cancel": {r.run.pk for r in rows if can_run_playbook(request.user, r.run.account)},
        "today": today,
    }
    return render(request, "playbooks/detail.html", context)


def _editor(request: AuthedRequest, playbook: Playbook | None) -> HttpResponse:
    require_playbooks_edit(request.user)
    base, steps = initial_of(playbook)
    form = PlaybookForm(request.POST or None, initial=base)
    formset = StepFormSet(request.POST or None, initial=steps, prefix="steps")
    errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            if playbook is None:
                playbook = services.playbook_create(
                    actor=request.user,
                    name=data["name"],
                    description=data["description"],
                    active=data["active"],
                    steps=steps_of(formset),
                )
            else:
                services.playbook_update(
                    actor=request.user,
                    playbook=playbook,
                    name=data["name"],
                    description=data["description"],
                    active=data["active"],
                    steps=steps_of(formset),
                )
        except ValidationError as error:
            errors = _error_text(error)
        else:
            messages.success(request, _("Playbook saved."))
            return redirect("playbooks:detail", playbook.pk)
    invalid = request.method == "POST"
    context: dict[str, Any] = {
        "nav": "playbooks",
        "playbook": playbook,
        "form": form,
        "formset": formset,
        "errors": errors,
    }
    return render(request, "playbooks/edit.html", context, status=400 if invalid else 200)


@login_required
def playbook_create(request: AuthedRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
def playbook_edit(request: AuthedRequest, playbook_id: int) -> HttpResponse:
    require_playbooks_edit(request.user)
    return _editor(request, get_object_or_404(Playbook, pk=playbook_id))


@login_required
@require_POST
def playbook_start(request: AuthedRequest, account_id: int) -> HttpResponse:
    """From the account page: start the chosen playbook on the account."""
    account = access_account(request.user, account_id)
    if not can_run_playbook(request.user, account):
        raise PermissionDenied
    form = StartForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for error in field_errors:
                messages.error(request, str(error))
        return redirect("customers:account_detail", account.pk)
    playbook = form.cleaned_data["playbook"]
    try:
        run, created = services.playbook_start(
            account=account,
            playbook=playbook,
            by=request.user,
            anchor_date=form.cleaned_data["anchor_date"],
        )
    except ValidationError as error:
        for text in _error_text(error):
            messages.error(request, text)
    else:
        if created:
            messages.success(
                request,
                _("Started “%(name)s”: %(n)s tasks.")
                % {"name": playbook.name, "n": run.steps.count()},
            )
        else:
            messages.info(
                request,
                _("“%(name)s” is already running on this account.") % {"name": playbook.name},
            )
    return redirect("customers:account_detail", account.pk)


@login_required
@require_POST
def run_cancel(request: AuthedRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(PlaybookRun.objects.select_related("account"), pk=run_id)
    if not can_run_playbook(request.user, run.account):
        raise PermissionDenied
    if confirmed(request):
        try:
            services.playbook_run_cancel(actor=request.user, run=run)
        except ValidationError as error:
            for text in _error_text(error):
                messages.error(request, text)
        else:
            messages.success(
                request, _("The playbook was cancelled; its open tasks were dismissed.")
            )
    return redirect("playbooks:detail", run.playbook_id)
