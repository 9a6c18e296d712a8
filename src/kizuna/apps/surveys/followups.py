"""Closing the loop on NPS answers (docs/surveys.md, "Detractor follow-ups").

- ``followups_for_answers``: every NPS answer of 0–6 gets one ``DetractorFollowUp`` — the
  answer services call it for the link, the import and the API, and the minute job
  (``followups_sync``) catches any answer written another way. Safe to repeat and to race:
  the one-to-one on the answer keeps one row, a second insert is ignored.
- A replaced answer is read again: still a detractor, the follow-up keeps its SLA (counted
  from the first detractor answer) and takes the new score; no longer a detractor, it is
  marked withdrawn (``withdrawn_at``: off the list and the figures, its signal ends); a
  detractor again, it is back.
- ``followups_refresh``: a new follow-up becomes ``contacted`` at its first contact — the
  earliest human touchpoint with the account (meeting, call, e-mail, on-site) after the
  answer, or its task closed with the outcome "contacted".
- ``followup_mark_contacted`` / ``followup_resolve``: by hand (``org.access``), audited.
- ``followup_task_attach``: the action layer links the task its ``nps_detractor`` rule
  opened.
- ``referral_suggest``: a promoter's answer suggested for a referral, audited.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.org.access import can_suggest_referral, can_work_detractor_followup
from kizuna.apps.org.models import User
from kizuna.apps.surveys.models import (
    ContactVia,
    DetractorFollowUp,
    FollowUpStatus,
    ReferralSuggestion,
    SurveyAnswer,
    SurveyKind,
)
from kizuna.apps.tasks.models import Task, TaskOutcome, TaskState
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.calendar import local_day
from kizuna.core.touchpoints import HUMAN_KINDS
from kizuna.core.voc.followup import sla_due_on

#: answers read per query
CHUNK = 500
#: the longest resolution or referral note kept
NOTE_MAX = 2000
#: the highest NPS score of a detractor (0–6)
DETRACTOR_MAX = 6


def is_detractor(kind: str, score: int | None) -> bool:
    return kind == SurveyKind.NPS and score is not None and 0 <= score <= DETRACTOR_MAX


def is_promoter(kind: str, score: int | None) -> bool:
    return kind == SurveyKind.NPS and score is not None and 9 <= score <= 10


def company_day(when: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date:
    """The company day of ``when``; its UTC day when the company's would leave the calendar
    (9999-12-31 23:00 UTC is in the year 10000 in Tokyo)."""
    try:
        return local_day(when, zone)
    except ValueError:
        return when.astimezone(dt.UTC).date()


def _new_followup(
    answer: SurveyAnswer, zone: zoneinfo.ZoneInfo, closure: bool
) -> DetractorFollowUp:
    day = company_day(answer.answered_at, zone)
    return DetractorFollowUp(
        answer=answer,
        account_id=answer.account_id,
        owner_id=answer.account.owner_id,
        score=answer.score,
        answered_at=answer.answered_at,
        sla_due_on=sla_due_on(day, answer.program.detractor_sla_days, year_end_closure=closure),
    )


def followups_for_answers(
    *, answer_ids: Collection[int], now: dt.datetime | None = None
) -> tuple[int, int]:
    """Open, update or withdraw the follow-ups of these answers (see the module's docstring):
    (follow-ups opened, follow-ups withdrawn)."""
    now = now or timezone.now()
    tenant = tenant_settings_get()
    zone, closure = zoneinfo.ZoneInfo(tenant.time_zone), tenant.year_end_closure
    ids = sorted(set(answer_ids))
    opened = withdrawn = 0
    for start in range(0, len(ids), CHUNK):
        answers = list(
            SurveyAnswer.objects.filter(pk__in=ids[start : start + CHUNK])
            .select_related("program", "account")
            .order_by("pk")
        )
        held = {
            f.answer_id: f
            for f in DetractorFollowUp.objects.filter(answer_id__in=[a.pk for a in answers])
        }
        new = []
        for answer in answers:
            followup = held.get(answer.pk)
            detractor = is_detractor(answer.kind, answer.score)
            if followup is None:
                if detractor:
                    new.append(_new_followup(answer, zone, closure))
                continue
            withdrawn += _reread(followup, answer, detractor, now)
        before = DetractorFollowUp.objects.filter(answer_id__in=[f.answer_id for f in new]).count()
        # a follow-up another worker opened meanwhile stays; this insert is ignored
        DetractorFollowUp.objects.bulk_create(new, ignore_conflicts=True)
        after = DetractorFollowUp.objects.filter(answer_id__in=[f.answer_id for f in new]).count()
        opened += after - before
    return opened, withdrawn


def _reread(
    followup: DetractorFollowUp, answer: SurveyAnswer, detractor: bool, now: dt.datetime
) -> int:
    """A replaced answer read again: 1 when its follow-up is withdrawn now."""
    values: dict[str, object] = {}
    if followup.score != answer.score:
        values["score"] = answer.score
    if detractor and followup.withdrawn_at is not None:
        values["withdrawn_at"] = None
    if not detractor and followup.withdrawn_at is None:
        values["withdrawn_at"] = now
    if values:
        values["updated_at"] = now
        DetractorFollowUp.objects.filter(pk=followup.pk).update(**values)
    return int(values.get("withdrawn_at") is not None)


def followups_missing() -> QuerySet[SurveyAnswer]:
    """The NPS answers of 0–6 without a follow-up (written past the answer services)."""
    return SurveyAnswer.objects.filter(
        kind=SurveyKind.NPS, score__gte=0, score__lte=DETRACTOR_MAX, followup__isnull=True
    )


def followups_sync(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Open the missing follow-ups, then mark the new ones contacted that were: (opened,
    contacted)."""
    missing = list(followups_missing().values_list("pk", flat=True)[: CHUNK * 20])
    opened, _withdrawn = followups_for_answers(answer_ids=missing, now=now)
    return opened, followups_refresh(now=now)


def _first_touchpoints(now: dt.datetime) -> Subquery:
    return Subquery(
        Touchpoint.objects.filter(
            account_id=OuterRef("account_id"),
            occurred_at__gt=OuterRef("answered_at"),
            occurred_at__lte=now,
            kind__in=sorted(HUMAN_KINDS),
        )
        .order_by("occurred_at", "pk")
        .values("pk")[:1]
    )


def followups_waiting_contact() -> Q:
    """New, not withdrawn: the follow-ups whose first contact is still looked for."""
    return Q(status=FollowUpStatus.NEW, withdrawn_at__isnull=True)


def followups_refresh(
    *, now: dt.datetime | None = None, account_ids: Collection[int] | None = None
) -> int:
    """Mark contacted the new follow-ups whose first contact came (see the module's
    docstring): how many. Each is claimed by a conditional UPDATE (still new), so a member
    resolving it meanwhile is never overwritten."""
    now = now or timezone.now()
    waiting = DetractorFollowUp.objects.filter(followups_waiting_contact())
    if account_ids is not None:
        waiting = waiting.filter(account_id__in=account_ids)
    rows = waiting.annotate(first_touchpoint=_first_touchpoints(now)).values_list(
        "pk", "first_touchpoint", "task_id"
    )
    found = list(rows)
    touchpoints = dict(
        Touchpoint.objects.filter(pk__in=[t for _pk, t, _task in found if t]).values_list(
            "pk", "occurred_at"
        )
    )
    closed = Task.objects.filter(
        pk__in=[task for _pk, _t, task in found if task],
        state=TaskState.DONE,
        outcome=TaskOutcome.CONTACTED,
    ).values_list("pk", "closed_at")
    tasks = {pk: at for pk, at in closed if at is not None}
    marked = 0
    for pk, touchpoint_id, task_id in found:
        contacts = []
        if touchpoint_id in touchpoints:
            contacts.append((touchpoints[touchpoint_id], ContactVia.TOUCHPOINT, touchpoint_id))
        if task_id in tasks:
            contacts.append((tasks[task_id], ContactVia.TASK, None))
        if not contacts:
            continue
        at, via, touchpoint = min(contacts, key=lambda c: c[0])
        marked += DetractorFollowUp.objects.filter(pk=pk, status=FollowUpStatus.NEW).update(
            status=FollowUpStatus.CONTACTED,
            first_contact_at=at,
            first_contact_via=via,
            touchpoint_id=touchpoint,
            updated_at=now,
        )
    return marked


def _locked(followup: DetractorFollowUp) -> DetractorFollowUp:
    return (
        DetractorFollowUp.objects.select_for_update(of=("self",))
        .select_related("account", "account__owner")
        .get(pk=followup.pk)
    )


def _require_work(actor: User, followup: DetractorFollowUp) -> None:
    if not can_work_detractor_followup(actor, followup.account, owner_id=followup.owner_id):
        raise PermissionDenied


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message}, code="invalid")


@transaction.atomic
def followup_mark_contacted(
    *, actor: User, followup: DetractorFollowUp, via: str = "web", now: dt.datetime | None = None
) -> DetractorFollowUp:
    """Record the first contact by hand (a contact no touchpoint logged), now. Only a new
    follow-up; ``ValidationError`` on ``status`` otherwise."""
    followup = _locked(followup)
    _require_work(actor, followup)
    if followup.status != FollowUpStatus.NEW:
        raise _refuse("status", _("Only a new follow-up can be marked contacted."))
    followup.status = FollowUpStatus.CONTACTED
    followup.first_contact_at = now or timezone.now()
    followup.first_contact_via = ContactVia.MANUAL
    followup.save(update_fields=["status", "first_contact_at", "first_contact_via", "updated_at"])
    _audit(actor, followup, {"status": [FollowUpStatus.NEW, followup.status]}, via)
    return followup


@transaction.atomic
def followup_resolve(
    *,
    actor: User,
    followup: DetractorFollowUp,
    note: str,
    via: str = "web",
    now: dt.datetime | None = None,
) -> DetractorFollowUp:
    """Resolve the follow-up (final) with the member's note (required, at most
    ``NOTE_MAX`` characters, no NUL). ``PermissionDenied`` for a member who may not
    (``org.access.can_work_detractor_followup``); ``ValidationError`` when already resolved
    or the note is missing."""
    followup = _locked(followup)
    _require_work(actor, followup)
    note = note.strip()
    if followup.status == FollowUpStatus.RESOLVED:
        raise _refuse("status", _("This follow-up is already resolved."))
    if not note:
        raise _refuse("note", _("Say how the follow-up was resolved."))
    if "\x00" in note or len(note) > NOTE_MAX:
        raise _refuse("note", _("Give a note of at most 2,000 characters without null characters."))
    before = followup.status
    followup.status = FollowUpStatus.RESOLVED
    followup.resolved_at = now or timezone.now()
    followup.resolved_by = actor
    followup.resolution_note = note
    followup.save(
        update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "updated_at"]
    )
    _audit(
        actor, followup, {"status": [before, followup.status], "resolution_note": [None, note]}, via
    )
    return followup


def _audit(
    actor: User, followup: DetractorFollowUp, changes: dict[str, list[object]], via: str
) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=followup,
        account_id=followup.account_id,
        changes=changes,
        via=via,
    )


def followup_task_attach(*, account_id: int, day: dt.date, task: Task) -> int:
    """Link ``task`` (opened by an ``nps_detractor`` rule on ``day``) to the account's open
    follow-ups that have none and whose answer came on or before that day: how many. One
    task may serve several answers of the account (the rule's one open task per account)."""
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    candidates = DetractorFollowUp.objects.filter(
        account_id=account_id, task__isnull=True, withdrawn_at__isnull=True
    ).exclude(status=FollowUpStatus.RESOLVED)
    ids = [
        pk for pk, at in candidates.values_list("pk", "answered_at") if company_day(at, zone) <= day
    ]
    return DetractorFollowUp.objects.filter(pk__in=ids, task__isnull=True).update(task=task)


@transaction.atomic
def referral_suggest(
    *, actor: User, answer: SurveyAnswer, note: str = "", via: str = "web"
) -> tuple[ReferralSuggestion, bool]:
    """Suggest a promoter's (9–10) account for a referral: (the suggestion, created). Once
    per answer: a second suggestion finds the first. ``PermissionDenied`` for a viewer;
    ``ValidationError`` for an answer that is not a promoter's."""
    if not can_suggest_referral(actor, answer.account):
        raise PermissionDenied
    if not is_promoter(answer.kind, answer.score):
        raise _refuse(
            "answer", _("Only a promoter's answer (9–10) can be suggested for a referral.")
        )
    note = note.strip()
    if "\x00" in note or len(note) > NOTE_MAX:
        raise _refuse("note", _("Give a note of at most 2,000 characters without null characters."))
    suggestion, created = ReferralSuggestion.objects.get_or_create(
        answer=answer,
        defaults={"account_id": answer.account_id, "suggested_by": actor, "note": note},
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=suggestion,
            account_id=answer.account_id,
            changes={"answer": [None, answer.pk], "score": [None, answer.score]},
            via=via,
        )
    return suggestion, created
