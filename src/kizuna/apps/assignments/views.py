"""Load per CSM with auto-assignment, manual reassignment, hand-off, and the capacity plan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.assignments import charts, selectors, services
from kizuna.apps.assignments.forms import HandoffForm, ReassignForm, ScenarioForm
from kizuna.apps.customers.access import access_account
from kizuna.apps.front.form_helpers import account_form_page, confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_apply_auto_assignment, can_reassign
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.capacity import capacity_plan


@login_required
def load(request: AuthedRequest) -> HttpResponse:
    # the preview reads every active account (about 1 s at 100,000): computed on request only,
    # and then the table reads the same books
    books = selectors.books_read(accounts=bool(request.GET.get("preview")))
    page = selectors.load_page(books)
    preview = services.auto_assign_preview(books) if request.GET.get("preview") else None
    planned = preview.plan.assignments[:50] if preview else ()
    teams = {team.pk: team for team, _pool in page.teams}
    context = {
        "nav": "load",
        "rows": page.rows,
        "teams": page.teams,
        "preview_teams": [(teams.get(p.team_id), p) for p in preview.plan.teams] if preview else [],
        "preview": preview,
        "planned": selectors.planned_rows(planned),
        "can_apply": can_apply_auto_assignment(request.user),
    }
    return render(request, "assignments/load.html", context)


@login_required
@require_POST
def auto_assign(request: AuthedRequest) -> HttpResponse:
    if not can_apply_auto_assignment(request.user):
        raise PermissionDenied
    if not confirmed(request):
        return redirect(reverse("assignments:load") + "?preview=1")
    changed = services.auto_assign_apply(actor=request.user)
    messages.success(
        request, _("Auto-assignment applied: %(count)s accounts changed.") % {"count": changed}
    )
    return redirect("assignments:load")


@login_required
def reassign(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    if not can_reassign(request.user, account):
        raise PermissionDenied
    form = ReassignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_reassign(actor=request.user, account=account, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Account reassigned."))
            return redirect("customers:account_detail", account.pk)
    return account_form_page(request, form, heading=_("Reassign the account"), account=account)


@login_required
def handoff(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    form = HandoffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_handoff(
                actor=request.user, account=account, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Handed off to the adoption team."))
            return redirect("customers:account_detail", account.pk)
    return account_form_page(
        request, form, heading=_("Hand off to the adoption team"), account=account
    )


@login_required
def capacity(request: AuthedRequest) -> HttpResponse:
    """CSMs needed per team now and for 12 months, from the data and an editable scenario."""
    today = tenant_today(request.tenant)
    measured = selectors.measured_inputs(today=today)
    defaults = selectors.capacity_defaults(measured)
    form = ScenarioForm(request.GET or None, initial=defaults)
    scenario = form.cleaned_data if form.is_bound and form.is_valid() else defaults
    plan = capacity_plan(selectors.capacity_params(measured, scenario), as_of=today, months=12)
    context = {
        "nav": "capacity",
        "form": form,
        "plan": plan,
        "teams": [need.team for need in plan[0].teams],
        "measured": measured,
        "chart": charts.csms_needed(plan),
        "headcount": sum(need.headcount for need in plan[0].teams),
        "quarter": plan[min(3, len(plan) - 1)],
        "summary": list(zip(plan[min(3, len(plan) - 1)].teams, plan[0].teams, strict=True)),
    }
    return render(request, "assignments/capacity.html", context, status=400 if form.errors else 200)
