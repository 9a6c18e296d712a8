"""Rule pages: the list, a new rule, one rule (its current version, its history, the editor
for admins, enable/disable), the preview on the rule page and in the editor, and the alert
settings. Every member reads; admins edit (``org.access.can_edit_rules``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_edit_rules, can_view_rules, require_rules_edit
from kizuna.apps.rules import selectors, services
from kizuna.apps.rules.charts import preview_chart
from kizuna.apps.rules.forms import AlertSettingsForm, RuleForm, initial_of
from kizuna.apps.rules.models import Rule, RuleVersion
from kizuna.apps.rules.record import rule_record_of
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.rules.measure import Ratio, RuleRecord


def _require_view(request: AuthedRequest) -> None:
    if not can_view_rules(request.user):
        raise PermissionDenied


def _preview_context(request: AuthedRequest, version: RuleVersion) -> dict[str, Any]:
    result = selectors.rule_preview(version, today=tenant_today(request.tenant))
    return {
        "preview": result,
        "matching": selectors.matching_accounts(result),
        "matching_count": len(result.matching_today),
        "preview_chart": preview_chart(result),
        "preview_totals": (
            sum(w.tasks for w in result.weeks),
            sum(w.alerts for w in result.weeks),
        ),
    }


@login_required
def rule_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    context = {
        "nav": "rules",
        "rows": selectors.rules_list(),
        "can_edit": can_edit_rules(request.user),
        "settings": selectors.alert_settings(),
    }
    return render(request, "rules/list.html", context)


@login_required
def rule_create(request: AuthedRequest) -> HttpResponse:
    """GET: the empty editor. POST ``action=preview``: the preview of what is typed, saving
    nothing; ``action=save``: the new rule (disabled) and its version 1."""
    require_rules_edit(request.user)
    form = RuleForm(request.POST or None, initial=initial_of(None))
    context: dict[str, Any] = {"nav": "rules", "form": form, "rule": None}
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") != "save":
            context.update(_preview_context(request, form.draft()))
        else:
            try:
                rule = services.rule_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    data=form.version_data(),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Rule saved. It is disabled until you enable it."))
                return redirect("rules:detail", rule.pk)
    status = 400 if form.errors else 200
    return render(request, "rules/edit.html", context, status=status)


def record_rows(record: RuleRecord) -> list[tuple[str, str, str]]:
    """The rule's record as (measure, figure, what it means) rows, in the active language."""

    def ratio(value: Ratio) -> str:
        if value.value is None:
            return "— (0 / 0)"
        return f"{value.value:.0%} ({value.numerator:,} / {value.denominator:,})"

    wait = record.median_first_action
    if wait is None:
        waited = "—"
    elif wait < dt.timedelta(days=2):
        waited = _("%(hours).1f hours") % {"hours": wait.total_seconds() / 3600}
    else:
        waited = _("%(days).1f days") % {"days": wait.total_seconds() / 86400}
    return [
        (_("Fired"), f"{record.fired:,}", _("Times the rule fired on an account.")),
        (_("Acted on"), f"{record.acted_on:,}", _("Firings whose task someone acted on.")),
        (
            _("No one to own the task"),
            f"{record.unowned:,}",
            _(
                "Firings that opened no task: the account has no owner and its team no active"
                " manager. Give the account an owner, or the team a manager."
            ),
        ),
        (
            _("Dismissed as not useful"),
            f"{record.dismissed:,}",
            _("Firings whose task was dismissed as not useful."),
        ),
        (
            _("Precision"),
            ratio(record.precision),
            _(
                "Of the firings 180 days old (or whose account already left or shrank), those"
                " whose account churned or contracted within 180 days without a completed task."
            ),
        ),
        (
            _("Save rate"),
            ratio(record.save_rate),
            _(
                "Of the firings with a completed task whose account's next renewal has come,"
                " those retained at that renewal."
            ),
        ),
        (
            _("Time to first action (median)"),
            waited,
            _("From the task's creation to the first thing someone did on it."),
        ),
    ]


@login_required
def rule_detail(request: AuthedRequest, rule_id: int) -> HttpResponse:
    """The rule, its history and its preview; for admins, the editor (POST: preview or save
    the next version)."""
    _require_view(request)
    rule = get_object_or_404(Rule, pk=rule_id)
    current = selectors.rule_current_version(rule)
    can_edit = can_edit_rules(request.user)
    form = None
    previewed = current
    if can_edit:
        form = RuleForm(request.POST or None, initial=initial_of(current, rule.name))
    elif request.method == "POST":
        raise PermissionDenied
    if form is not None and request.method == "POST" and form.is_valid():
        if request.POST.get("action") != "save":
            previewed = form.draft()
        else:
            try:
                saved = services.rule_update(
                    actor=request.user,
                    rule=rule,
                    data=form.version_data(),
                    note=form.cleaned_data["note"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if current is not None and saved.pk == current.pk:
                    messages.info(request, _("Nothing changed: no new version was saved."))
                else:
                    messages.success(request, _("Saved as version %(n)s.") % {"n": saved.version})
                return redirect("rules:detail", rule.pk)
    context: dict[str, Any] = {
        "nav": "rules",
        "rule": rule,
        "current": current,
        "current_terms": selectors.version_terms(current) if current else [],
        "history": [(v, selectors.version_terms(v)) for v in selectors.rule_versions(rule)],
        "can_edit": can_edit,
        "form": form,
        "editing": request.method == "POST",
        "record": record_rows(rule_record_of(rule, as_of=tenant_today())),
    }
    if previewed is not None and not (form is not None and form.errors):
        context.update(_preview_context(request, previewed))
    return render(
        request, "rules/detail.html", context, status=400 if form and form.errors else 200
    )


@login_required
@require_POST
def rule_enable(request: AuthedRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id)
    require_rules_edit(request.user)
    if confirmed(request):
        services.rule_enable(actor=request.user, rule=rule)
        messages.success(request, _("Rule enabled: it runs from the next daily evaluation."))
    return redirect("rules:detail", rule.pk)


@login_required
@require_POST
def rule_disable(request: AuthedRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id)
    require_rules_edit(request.user)
    services.rule_disable(actor=request.user, rule=rule)
    messages.success(request, _("Rule disabled."))
    return redirect("rules:detail", rule.pk)


@login_required
def alert_settings_edit(request: AuthedRequest) -> HttpResponse:
    require_rules_edit(request.user)
    settings = selectors.alert_settings()
    form = AlertSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        services.alert_settings_update(
            actor=request.user,
            weekly_budget=form.cleaned_data["weekly_budget"],
            digest_time=form.cleaned_data["digest_time"],
        )
        messages.success(request, _("Alert settings saved."))
        return redirect("rules:list")
    context = {
        "form": form,
        "heading": _("Alert settings"),
        "cancel_url": reverse("rules:list"),
        "nav": "rules",
    }
    return render(request, "rules/settings.html", context, status=400 if form.errors else 200)
