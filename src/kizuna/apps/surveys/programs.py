"""Writes to the survey programs (CS ops / admins, audited like the other business settings):
create one, or replace one's fields and schedules. Invitations already created keep the
program's texts of the day they are opened (the page reads the program), and their schedule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.org.access import require_survey_programs_edit
from kizuna.apps.org.models import User
from kizuna.apps.surveys.models import SurveyProgram, SurveySchedule

PROGRAM_FIELDS = (
    "name_ja",
    "name_en",
    "kind",
    "question_ja",
    "question_en",
    "comment_prompt_ja",
    "comment_prompt_en",
    "contact_roles",
    "throttle_days",
    "quiet_start",
    "quiet_end",
    "link_valid_days",
    "remind_after_days",
    "detractor_sla_days",
    "active",
)
SCHEDULE_FIELDS = ("trigger", "offset_days", "every_months", "touchpoint_kind", "active")


def _snapshot(program: SurveyProgram) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(program, name) for name in PROGRAM_FIELDS}
    values["schedules"] = [
        {name: getattr(row, name) for name in SCHEDULE_FIELDS}
        for row in program.schedules.order_by("pk")
    ]
    return values


def _apply_schedules(
    program: SurveyProgram, schedules: Sequence[Mapping[str, Any]], keep: set[int]
) -> None:
    """Keep the schedules whose ids are in ``keep`` with their new values (their invitations
    stay linked), delete the others that have no invitation, deactivate those that have."""
    by_id = {row.pk: row for row in program.schedules.all()}
    for values in schedules:
        pk = values.get("id")
        row = by_id.get(pk) if isinstance(pk, int) else None
        row = row or SurveySchedule(program=program)
        for name in SCHEDULE_FIELDS:
            setattr(row, name, values.get(name, getattr(row, name)))
        row.full_clean()
        row.save()
        keep.add(row.pk)
    for pk, row in by_id.items():
        if pk in keep:
            continue
        if row.invitations.exists():
            row.active = False
            row.save(update_fields=["active"])
        else:
            row.delete()


@transaction.atomic
def program_save(
    *,
    actor: User,
    program: SurveyProgram | None,
    values: Mapping[str, Any],
    schedules: Sequence[Mapping[str, Any]],
    via: str = "web",
) -> SurveyProgram:
    """Create a program (``program`` None) or replace its fields and schedules (admins).
    ``schedules``: each a mapping of ``SCHEDULE_FIELDS`` and, for an existing schedule, its
    ``id``; a schedule left out is deleted, or deactivated when invitations name it. One audit
    event with the changed fields (the schedules as one list)."""
    require_survey_programs_edit(actor)
    creating = program is None
    if program is None:
        program = SurveyProgram()
        before: dict[str, Any] = {}
    else:
        program = SurveyProgram.objects.select_for_update().get(pk=program.pk)
        before = _snapshot(program)
    for name in PROGRAM_FIELDS:
        if name in values:
            setattr(program, name, values[name])
    program.full_clean()
    program.save()
    _apply_schedules(program, schedules, set())
    after = _snapshot(program)
    changes = {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
            instance=program,
            account_id=None,
            changes=changes,
            via=via,
        )
    return program
