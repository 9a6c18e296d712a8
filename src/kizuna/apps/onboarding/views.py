"""Onboarding pages: the CSM's board, one onboarding's timeline (Gantt), the manager's
dashboard, and the template editor for CS ops."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.customers.models import Product
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.onboarding import charts, selectors
from kizuna.apps.onboarding.forms import TemplateEditor
from kizuna.apps.onboarding.models import (
    Onboarding,
    OnboardingCriterion,
)
from kizuna.apps.onboarding.services import (
    criterion_tick,
    criterion_untick,
    template_version_create,
)
from kizuna.apps.org.access import (
    access_member,
    can_manage_tenant,
    can_tick_criteria,
    can_view_other_members,
    default_work_scope,
)
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.onboarding.kpis import Dimension


def _board_owner(request: AuthedRequest) -> tuple[User | None, int | None]:
    """Whose board: a CSM sees their own; managers and admins may pick a CSM (``?csm=``);
    a manager without a pick sees their team, an admin or viewer everyone."""
    user = request.user
    wanted = request.GET.get("csm", "")
    if wanted and can_view_other_members(user):
        return access_member(user, wanted), None
    scope = default_work_scope(user)
    return scope.member, scope.team_id


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    today = tenant_today()
    owner, team_id = _board_owner(request)
    page, rows, counts = selectors.board_page(
        user=owner,
        team_id=team_id,
        today=today,
        viewer=request.user,
        page=request.GET.get("page"),
    )
    context = {
        "nav": "onboarding",
        "today": today,
        "owner": owner,
        "page": page,
        "rows": rows,
        "counts": counts,
        "csms": selectors.board_csms() if can_view_other_members(request.user) else [],
    }
    return render(request, "onboarding/board.html", context)


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    onboarding = get_object_or_404(
        Onboarding.objects.select_related("account", "account__owner", "product", "template"), pk=pk
    )
    today = tenant_today()
    data = selectors.onboarding_detail(onboarding=onboarding)
    context = {
        "nav": "onboarding",
        "o": onboarding,
        "today": today,
        "can_edit": can_tick_criteria(request.user, onboarding.account),
        "gantt": charts.gantt(onboarding=onboarding, phases=data.phases, today=today),
        "detail": data,
    }
    return render(request, "onboarding/detail.html", context)


def _criterion(onboarding: Onboarding, criterion_id: int) -> OnboardingCriterion:
    criterion = OnboardingCriterion.objects.select_related("phase").filter(pk=criterion_id).first()
    if criterion is None or criterion.phase.template_id != onboarding.template_id:
        raise Http404
    return criterion


@login_required
@require_POST
def tick(request: AuthedRequest, pk: int, criterion_id: int) -> HttpResponse:
    onboarding = get_object_or_404(
        Onboarding.objects.select_related("account", "account__owner"), pk=pk
    )
    criterion = _criterion(onboarding, criterion_id)
    undo = request.POST.get("undo") == "1"
    try:
        if undo:
            criterion_untick(actor=request.user, onboarding=onboarding, criterion=criterion)
        else:
            criterion_tick(actor=request.user, onboarding=onboarding, criterion=criterion)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if request.htmx and request.POST.get("from") == "board":
        onboarding.refresh_from_db()
        row = selectors.board_row(onboarding, today=tenant_today(), viewer=request.user)
        return render(request, "onboarding/_board_row.html", {"row": row})
    back = request.POST.get("from") == "board"
    return redirect(
        reverse("onboarding:board") if back else reverse("onboarding:detail", args=[pk])
    )


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    today = tenant_today()
    wanted = request.GET.get("by", "product")
    by: Dimension = wanted if wanted in ("product", "segment", "team", "csm") else "product"  # type: ignore[assignment]
    context = {
        "nav": "onboarding",
        "today": today,
        "by": by,
        "computed_at": timezone.now(),  # computed live from the onboardings as evaluated
        "dashboard": selectors.dashboard_data(
            today=today,
            by=by,
            stuck_page=request.GET.get("stuck_page"),
            period=_period(request.GET.get("from"), request.GET.get("to")),
        ),
    }
    return render(request, "onboarding/dashboard.html", context)


def _period(first: str | None, last: str | None) -> tuple[dt.date, dt.date] | None:
    """``?from=2026-04&to=2026-11``: the months of the completion figure (the KPI home links
    here with its fiscal year); None (the default period) unless both are months of 2000–2099
    in order."""
    try:
        low = dt.datetime.strptime(first or "", "%Y-%m").date()
        high = dt.datetime.strptime(last or "", "%Y-%m").date()
    except ValueError:
        return None
    if not (2000 <= low.year <= 2099 and 2000 <= high.year <= 2099) or low > high:
        return None
    return (low, high)


@login_required
def templates(request: AuthedRequest) -> HttpResponse:
    context = {
        "nav": "onboarding",
        "templates": selectors.template_list(),
        "products_without": selectors.products_without_template(),
        "can_edit": can_manage_tenant(request.user),
    }
    return render(request, "onboarding/templates.html", context)


@login_required
def template_edit(request: AuthedRequest, code: str) -> HttpResponse:
    if not can_manage_tenant(request.user):
        raise PermissionDenied
    product = get_object_or_404(Product, code=code)
    current = selectors.current_template(product=product)
    editor = TemplateEditor(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and editor.is_valid():
        try:
            template = template_version_create(
                actor=request.user, product=product, phases=editor.phases(), note=editor.note()
            )
        except (ValidationError, ValueError) as error:
            editor.add_error(
                str(error.messages[0] if isinstance(error, ValidationError) else error)
            )
        else:
            messages.success(
                request,
                _("Version %(version)s saved; new onboardings of %(product)s use it.")
                % {"version": template.version, "product": product},
            )
            return redirect("onboarding:templates")
    context: dict[str, Any] = {
        "nav": "onboarding",
        "product": product,
        "current": current,
        "editor": editor,
    }
    return render(
        request,
        "onboarding/template_edit.html",
        context,
        status=400 if editor.is_bound and editor.errors_any() else 200,
    )
