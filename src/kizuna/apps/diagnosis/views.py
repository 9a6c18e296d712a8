"""The diagnosis pages: the latest stored run (managers, admins, viewers), what changed since
about a month ago, and the thresholds (admins edit them). Views translate HTTP; the work is in
``selectors`` and ``services``; permissions in ``org.access``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kizuna.apps.diagnosis import selectors, services
from kizuna.apps.diagnosis.forms import ThresholdsForm
from kizuna.apps.front.form_helpers import form_page
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_edit_diagnosis_settings, can_view_diagnosis
from kizuna.core.calendar import add_months
from kizuna.core.diagnosis.rules import RULES_BY_KEY


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _month_before(day: dt.date) -> dt.date:
    try:
        return add_months(day, -1)
    except ValueError:  # January of the year 1
        return dt.date.min


@login_required
def page(request: AuthedRequest) -> HttpResponse:
    """The latest diagnosis: phase, what holds the team there, the next three things to fix,
    every rule with its evidence, and the verdicts changed since about a month before it."""
    _require(can_view_diagnosis(request.user))
    diagnosis = selectors.diagnosis_latest()
    changes = selectors.diagnosis_changes(_month_before(diagnosis.day)) if diagnosis else None
    context = {
        "nav": "diagnosis",
        "diagnosis": diagnosis,
        "changes": changes,
        "can_edit": can_edit_diagnosis_settings(request.user),
    }
    return render(request, "diagnosis/page.html", context)


@login_required
def settings_list(request: AuthedRequest) -> HttpResponse:
    """Every rule with its thresholds (read by whoever reads the diagnosis; admins edit)."""
    _require(can_view_diagnosis(request.user))
    context = {
        "nav": "diagnosis",
        "rules": selectors.rule_settings(),
        "can_edit": can_edit_diagnosis_settings(request.user),
    }
    return render(request, "diagnosis/settings.html", context)


@login_required
def setting_edit(request: AuthedRequest, rule_key: str) -> HttpResponse:
    """Edit one rule's thresholds (admins); the change is audited and used from the next run."""
    _require(can_edit_diagnosis_settings(request.user))
    rule = RULES_BY_KEY.get(rule_key)
    if rule is None:
        raise Http404
    current = rule.thresholds(services.rule_overrides().get(rule_key))
    form = ThresholdsForm(request.POST or None, rule=rule, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_setting_save(
                actor=request.user, rule_key=rule_key, thresholds=form.cleaned_data
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, _("Thresholds saved. The next diagnosis uses them."))
            return redirect("diagnosis:settings")
    title = next(r.title for r in selectors.rule_settings() if r.key == rule_key)
    return form_page(
        request,
        form,
        heading=_("Thresholds: %(rule)s") % {"rule": title},
        cancel_url=reverse("diagnosis:settings"),
        nav="diagnosis",
        back_label=_("Diagnosis thresholds"),
    )
