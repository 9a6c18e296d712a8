"""Writes of the playbooks: create and edit a playbook with its steps, activate and deactivate
it (admins; audited), start a playbook on an account (one task per step; idempotent while a
run is running), cancel a run (its open tasks are dismissed). docs/actions.md, *Playbooks*.

A member is checked here against ``kizuna.apps.org.access`` (``PermissionDenied``); a wrong
value raises ``ValidationError`` keyed by field, in the member's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.customers.models import Account
from kizuna.apps.org.access import can_run_playbook, require_playbooks_edit, rule_task_owner
from kizuna.apps.org.models import User
from kizuna.apps.playbooks.models import (
    Anchor,
    Playbook,
    PlaybookRun,
    PlaybookRunStep,
    PlaybookStep,
    Rounding,
    RunState,
    dedup_key,
)
from kizuna.apps.playbooks.selectors import account_next_renewal, running_run
from kizuna.apps.tasks.messages import message_of, message_render
from kizuna.apps.tasks.models import ACTIVE_STATES, TaskOrigin, TaskPriority
from kizuna.apps.tasks.services import task_create, task_dismiss
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.playbooks import Step, due_dates, step_title

#: a playbook has at most this many steps (each becomes a task on every run)
MAX_STEPS = 50
STEP_FIELDS = ("order", "title_ja", "title_en", "offset_days", "anchor", "rounding", "priority")


def _invalid(field: str, message: Any, code: str) -> ValidationError:
    """A ``ValidationError`` on ``field`` whose one error carries ``code`` (the API's
    machine-readable reason)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _person(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated


def _refuse_nul(field: str, text: str) -> None:
    if "\x00" in text:
        raise _invalid(field, _("Null characters are not allowed."), "null_characters_not_allowed")


def _whole(*values: object) -> bool:
    return not any(isinstance(value, bool) for value in values)


def _step_field_label(name: str) -> str:
    field = PlaybookStep._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _clean_steps(steps: Sequence[Mapping[str, Any]]) -> list[PlaybookStep]:
    """The steps as unsaved ``PlaybookStep`` rows, each checked; orders unique. A step gives
    ``title_ja`` and/or ``title_en``; a lone ``title`` (as callers wrote before the two
    languages) is read as ``title_ja``."""
    if not steps:
        raise _invalid("steps", _("Add at least one step."), "required")
    if len(steps) > MAX_STEPS:
        raise _invalid(
            "steps", _("A playbook has at most %(n)s steps.") % {"n": MAX_STEPS}, "invalid"
        )
    rows: list[PlaybookStep] = []
    for n, data in enumerate(steps, start=1):
        order, offset = data.get("order"), data.get("offset_days")
        if not isinstance(order, int) or not isinstance(offset, int) or not _whole(order, offset):
            raise _invalid(
                "steps",
                _("Step %(n)s: give the order and the days as whole numbers.") % {"n": n},
                "invalid",
            )
        # "title" alone (the one title of a step before the split) is the Japanese title
        title_ja = str(data.get("title_ja", data.get("title")) or "").strip()
        title_en = str(data.get("title_en") or "").strip()
        _refuse_nul("steps", title_ja + title_en)
        if not title_ja and not title_en:
            raise _invalid(
                "steps",
                _("Step %(n)s: give a title in Japanese or in English.") % {"n": order},
                "required",
            )
        row = PlaybookStep(
            order=order,
            title_ja=title_ja,
            title_en=title_en,
            offset_days=offset,
            anchor=data.get("anchor") or Anchor.START,
            rounding=data.get("rounding") or Rounding.AUTO,
            priority=data.get("priority") or TaskPriority.MEDIUM,
        )
        try:
            row.full_clean(exclude=["playbook"], validate_constraints=False)
        except ValidationError as error:
            messages = [
                f"{_step_field_label(field)}: {message}"
                for field, field_messages in error.message_dict.items()
                for message in field_messages
            ]
            raise _invalid(
                "steps",
                [_("Step %(n)s: %(error)s") % {"n": order, "error": m} for m in messages],
                "invalid",
            ) from None
        rows.append(row)
    orders = [row.order for row in rows]
    if len(set(orders)) != len(orders):
        raise _invalid("steps", _("Each step needs its own order."), "invalid")
    return sorted(rows, key=lambda row: row.order)


def _clean_playbook(name: str, description: str) -> tuple[str, str]:
    name = (name or "").strip()
    _refuse_nul("name", name)
    _refuse_nul("description", description or "")
    if not name:
        raise _invalid("name", _("This field is required."), "required")
    return name, description or ""


def _steps_snapshot(rows: Sequence[PlaybookStep]) -> list[dict[str, Any]]:
    return [{field: getattr(row, field) for field in STEP_FIELDS} for row in rows]


@transaction.atomic
def playbook_create(
    *,
    actor: User,
    name: str,
    description: str = "",
    active: bool = True,
    steps: Sequence[Mapping[str, Any]],
    via: str = "web",
) -> Playbook:
    """A new playbook with its steps (admins)."""
    require_playbooks_edit(actor)
    name, description = _clean_playbook(name, description)
    rows = _clean_steps(steps)
    playbook = Playbook(name=name, description=description, active=active, created_by=actor)
    playbook.full_clean()
    playbook.save()
    for row in rows:
        row.playbook = playbook
    PlaybookStep.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=playbook,
        account_id=None,
        changes={
            "name": [None, name],
            "active": [None, active],
            "steps": [None, _steps_snapshot(rows)],
        },
        via=via,
    )
    return playbook


@transaction.atomic
def playbook_update(
    *,
    actor: User,
    playbook: Playbook,
    name: str,
    description: str = "",
    active: bool = True,
    steps: Sequence[Mapping[str, Any]],
    via: str = "web",
) -> Playbook:
    """Replace a playbook's name, description, state and steps (admins). Runs already started
    keep the steps they copied; the next run follows the new ones."""
    require_playbooks_edit(actor)
    playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
    name, description = _clean_playbook(name, description)
    rows = _clean_steps(steps)
    before = {
        "name": playbook.name,
        "description": playbook.description,
        "active": playbook.active,
        "steps": _steps_snapshot(list(playbook.steps.all())),
    }
    playbook.name, playbook.description, playbook.active = name, description, active
    playbook.full_clean()
    playbook.save()
    playbook.steps.all().delete()
    for row in rows:
        row.playbook = playbook
    PlaybookStep.objects.bulk_create(rows)
    after = {
        "name": name,
        "description": description,
        "active": active,
        "steps": _steps_snapshot(rows),
    }
    changes = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=playbook,
            account_id=None,
            changes=changes,
            via=via,
        )
    return playbook


@transaction.atomic
def playbook_set_active(
    *, actor: User, playbook: Playbook, active: bool, via: str = "web"
) -> Playbook:
    """Activate or deactivate a playbook (admins). A deactivated playbook cannot be started
    (by a member or a rule); its running runs go on, their tasks untouched. Audited when it
    changes; setting the state it has already writes nothing."""
    require_playbooks_edit(actor)
    playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
    if playbook.active == active:
        return playbook
    playbook.active = active
    playbook.save(update_fields=["active"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=playbook,
        account_id=None,
        changes={"active": [not active, active]},
        via=via,
    )
    return playbook


@transaction.atomic
def playbook_start(
    *,
    account: Account,
    playbook: Playbook,
    by: User | None = None,
    rule_id: int | None = None,
    anchor_date: dt.date | None = None,
    via: str = "web",
) -> tuple[PlaybookRun, bool]:
    """Start ``playbook`` on ``account``: a new run and one task per step, and True; or, when
    the playbook already runs on the account, that run and False (nothing written).

    ``by`` is the member starting it (checked: ``can_run_playbook``), or None when a rule
    does (``rule_id``). ``anchor_date`` is the renewal date the steps anchored on the renewal
    count from; None takes the account's next renewal date. Each task goes to the account's
    owner, or its team's manager (``org.access.rule_task_owner``), due as
    ``core.playbooks.due_date`` says, titled in the owner's language (the step's other title
    when that one is blank), its reason in the owner's language too."""
    if _person(by) and not can_run_playbook(by, account):  # type: ignore[arg-type]
        raise PermissionDenied
    if (existing := running_run(playbook, account)) is not None:
        return existing, False
    if not playbook.active:
        raise _invalid("playbook", _("This playbook is not active."), "inactive")
    steps = list(playbook.steps.all())
    if not steps:
        raise _invalid("playbook", _("This playbook has no steps."), "no_steps")
    today = tenant_today()
    if anchor_date is None and any(s.anchor == Anchor.RENEWAL for s in steps):
        anchor_date = account_next_renewal(account, today=today)
        if anchor_date is None:
            raise _invalid(
                "anchor_date", _("The account has no renewal date ahead. Give one."), "no_renewal"
            )
    try:
        dues = due_dates(
            [Step(s.order, s.offset_days, s.anchor, s.rounding) for s in steps],  # type: ignore[arg-type]
            started_on=today,
            anchor_date=anchor_date,
            year_end_closure=tenant_settings_get().year_end_closure,
        )
    except ValueError:
        raise _invalid(
            "anchor_date", _("The steps' due dates fall outside the business calendar."), "invalid"
        ) from None
    owner = rule_task_owner(account.owner, account.team_id)
    if owner is None:
        raise _invalid(
            "account",
            _("The account has no owner and its team no manager to own the tasks."),
            "no_owner",
        )
    run = PlaybookRun(
        playbook=playbook,
        account=account,
        started_on=today,
        anchor_date=anchor_date,
        started_by=by if _person(by) else None,
        started_by_rule_id=rule_id,
    )
    try:
        with transaction.atomic():
            run.save(force_insert=True)
    except IntegrityError:
        existing = running_run(playbook, account)
        if existing is None:
            raise
        return existing, False
    link = reverse("playbooks:detail", args=[playbook.pk])
    language = owner.language or settings.LANGUAGE_CODE
    for step in steps:
        reason = message_of(
            gettext_noop("Step %(n)s of the playbook “%(name)s”."), n=step.order, name=playbook.name
        )
        with translation.override(language):
            stored_reason = message_render(reason)  # the text kept: in the owner's language
        task, _created = task_create(
            actor=by,
            account=account,
            owner=owner,
            title=step_title(step.title_ja, step.title_en, language),
            reason=stored_reason,
            reason_message=reason,
            evidence_url=link,
            evidence_label=playbook.name[:200],
            priority=step.priority,
            due_date=dues[step.order],
            origin=TaskOrigin.PLAYBOOK,
            origin_id=run.pk,
            dedup_key=dedup_key(run.pk, step.order),
            via=via,
        )
        PlaybookRunStep.objects.create(
            run=run,
            order=step.order,
            title_ja=step.title_ja,
            title_en=step.title_en,
            due_on=dues[step.order],
            task=task,
        )
    audit_record(
        actor=by,
        action=AuditAction.CREATE,
        instance=run,
        account_id=account.pk,
        changes={
            "playbook": [None, f"{playbook.name} (#{playbook.pk})"],
            "started_on": [None, today.isoformat()],
            "anchor_date": [None, anchor_date.isoformat() if anchor_date else None],
            "started_by_rule_id": [None, rule_id],
        },
        via=via,
    )
    return run, True


@transaction.atomic
def playbook_run_cancel(*, actor: User, run: PlaybookRun, via: str = "web") -> PlaybookRun:
    """Cancel a running run; its open and snoozed tasks are dismissed (by ``actor``, who must
    be allowed to act on them). Its closed tasks stay as they are."""
    run = (
        PlaybookRun.objects.select_for_update(of=("self",))
        .select_related("account__owner")
        .get(pk=run.pk)
    )
    if not can_run_playbook(actor, run.account):
        raise PermissionDenied
    if run.state != RunState.RUNNING:
        raise _invalid("state", _("Only a running playbook can be cancelled."), "invalid_state")
    run.state, run.ended_at = RunState.CANCELLED, timezone.now()
    run.save(update_fields=["state", "ended_at"])
    for step in run.steps.select_related("task").filter(task__state__in=ACTIVE_STATES):
        task_dismiss(actor=actor, task=step.task, note=_("The playbook was cancelled."), via=via)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=run,
        account_id=run.account_id,
        changes={"state": [RunState.RUNNING.value, RunState.CANCELLED.value]},
        via=via,
    )
    return run
