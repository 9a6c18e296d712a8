"""Survey program pages (/surveys/programs/): the list (CSV too) and the editor. Every
member reads; admins (CS ops) edit (``org.access.can_edit_survey_programs``), audited through
``programs.program_save``. Views translate HTTP; the work is in the services."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kizuna.apps.customers.models import ContactRole
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    can_edit_survey_programs,
    can_view_survey_programs,
    require_survey_programs_edit,
)
from kizuna.apps.surveys.forms import ProgramForm, ScheduleFormSet
from kizuna.apps.surveys.models import SurveyProgram
from kizuna.apps.surveys.programs import SCHEDULE_FIELDS, program_save
from kizuna.apps.surveys.selectors import program_rows
from kizuna.apps.surveys.services import program_defaults_ensure

CSV_HEADER = (
    "id", "name_ja", "name_en", "kind", "active", "contact_roles", "schedules",
    "throttle_days", "quiet_start", "quiet_end", "link_valid_days", "remind_after_days",
    "invitations_sent", "answers",
)  # fmt: skip


@dataclass(frozen=True)
class ProgramListPage:
    rows: tuple[Any, ...]
    can_edit: bool


def _require_view(request: AuthedRequest) -> None:
    if not can_view_survey_programs(request.user):
        raise PermissionDenied


def _csv(rows: tuple[Any, ...]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kizuna-survey-programs.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        p = row.program
        writer.writerow([
            p.pk, p.name_ja, p.name_en, p.kind, p.active, " ".join(p.contact_roles or []),
            " ".join(row.schedules), p.throttle_days, p.quiet_start, p.quiet_end,
            p.link_valid_days, p.remind_after_days, row.sent, row.answers,
        ])  # fmt: skip
    return response


@login_required
def program_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    program_defaults_ensure()
    rows = tuple(program_rows())
    if request.GET.get("format") == "csv":
        return _csv(rows)
    page = ProgramListPage(rows=rows, can_edit=can_edit_survey_programs(request.user))
    return render(request, "surveys/program_list.html", {"nav": "surveys", "page": page})


def _schedules_of(formset: Any) -> list[dict[str, Any]]:
    out = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or not data.get("trigger"):
            continue
        values = {name: data.get(name) for name in SCHEDULE_FIELDS}
        values["offset_days"] = values["offset_days"] or 0
        values["active"] = bool(values["active"])
        instance = data.get("id")
        if instance is not None:
            values["id"] = instance.pk
        out.append(values)
    return out


def _error_text(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for found in error.message_dict.values() for m in found]
    return list(error.messages)


def _editor(request: AuthedRequest, program: SurveyProgram | None) -> HttpResponse:
    require_survey_programs_edit(request.user)
    post = request.POST if request.method == "POST" else None
    form = ProgramForm(post, instance=program, initial=None if program else _new_initial())
    formset = ScheduleFormSet(post, instance=program or SurveyProgram(), prefix="schedules")
    errors: list[str] = []
    if post is not None and form.is_valid() and formset.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            program = program_save(
                actor=request.user,
                program=program,
                values=values,
                schedules=_schedules_of(formset),
            )
        except ValidationError as error:
            errors = _error_text(error)
        else:
            messages.success(request, _("Survey program saved."))
            return redirect("surveys:program_edit", program.pk)
    context = {
        "nav": "surveys",
        "program": program,
        "form": form,
        "formset": formset,
        "errors": errors,
    }
    return render(request, "surveys/program_edit.html", context, status=400 if post else 200)


def _new_initial() -> dict[str, Any]:
    return {"contact_roles": [ContactRole.DECISION_MAKER, ContactRole.ADMIN]}


@login_required
def program_create(request: AuthedRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
def program_edit(request: AuthedRequest, program_id: int) -> HttpResponse:
    _require_view(request)
    program = get_object_or_404(SurveyProgram, pk=program_id)
    if not can_edit_survey_programs(request.user):
        raise PermissionDenied
    return _editor(request, program)
