"""Writes: today's invitations, sending them (and one reminder), answers through the link,
and the default program.

Invitations are created by the daily job (``invitations_create``): one row per
(schedule, contact, line, due day) — the unique constraints make a rerun or a second worker
create nothing twice. Sending is separate (``invitations_send_due``, every minute and at the
end of the daily job): each invitation is claimed by a conditional UPDATE (scheduled and due →
sent) before its e-mail leaves, so two runs never send it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import zoneinfo
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.surveys import sending
from kizuna.apps.surveys.followups import followups_for_answers
from kizuna.apps.surveys.models import (
    AnswerSource,
    InvitationStatus,
    SkipReason,
    SurveyAnswer,
    SurveyAnswerRevision,
    SurveyInvitation,
    SurveyKind,
    SurveyProgram,
    SurveySchedule,
    SurveyTopic,
    Trigger,
)
from kizuna.apps.surveys.selectors import invitations_due_to_send, schedule_inputs
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.delivery import MAX_ATTEMPTS, retry_delay
from kizuna.core.voc.categories import SCORE_RANGE
from kizuna.core.voc.schedule import PlannedInvitation, send_after
from kizuna.core.voc.topics import DEFAULT_TOPICS, normalize_text

log = logging.getLogger("kizuna.surveys")

#: a missed daily run is caught up this many days back
CATCH_UP_DAYS = 3
#: at most this many e-mails per sending run (the next minute takes the rest)
SEND_BATCH = 500
#: the longest comment kept (the page's form refuses longer ones)
COMMENT_MAX = 2000

DEFAULT_PROGRAM_CODE = "nps-30-90"


@dataclass(frozen=True)
class CreateReport:
    planned: int
    created: int
    skipped: int

    def line(self) -> str:
        return (
            f"{self.planned} invitation(s) planned, {self.created} created,"
            f" {self.skipped} of them skipped"
        )


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    reminded: int = 0
    expired: int = 0

    def line(self) -> str:
        return (
            f"{self.sent} sent, {self.failed} failed, {self.reminded} reminded,"
            f" {self.expired} expired"
        )


@transaction.atomic
def topic_defaults_ensure() -> int:
    """The default comment topics (``core.voc.topics.DEFAULT_TOPICS``) that are missing, by
    key, created as the migration seeds them: how many. A topic CS ops edited, switched off
    or renamed keeps its key and is left as it is; one they deleted comes back only here (the
    demo, a database emptied by the tests)."""
    held = set(SurveyTopic.objects.values_list("key", flat=True))
    missing = [
        SurveyTopic(
            key=default.key,
            name_ja=default.name_ja,
            name_en=default.name_en,
            keywords=list(default.keywords),
            position=position,
        )
        for position, default in enumerate(DEFAULT_TOPICS)
        if default.key not in held
    ]
    SurveyTopic.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def program_defaults_ensure() -> SurveyProgram:
    """The default program "NPS 30/90日" (NPS at day 30 and 90 after a line starts, asked of
    decision makers and administrators), created on first use — switched off: e-mails to
    customers start only once CS ops switch it on. An existing one (even deactivated or
    edited) is left as it is."""
    program = SurveyProgram.objects.filter(code=DEFAULT_PROGRAM_CODE).first()
    if program is not None:
        return program
    program = SurveyProgram.objects.create(
        code=DEFAULT_PROGRAM_CODE,
        kind=SurveyKind.NPS,
        name_ja="NPS 30/90日",
        name_en="NPS day 30/90",
        question_ja="当社のサービスを友人や同僚にすすめる可能性はどのくらいありますか？",
        question_en="How likely are you to recommend us to a friend or colleague?",
        comment_prompt_ja="その点数の理由をお聞かせください（任意）",
        comment_prompt_en="What is the main reason for your score? (optional)",
        contact_roles=["decision_maker", "admin"],
        # day 30 and day 90 are 60 days apart: both are asked, two lines started together once
        throttle_days=60,
        active=False,
    )
    for offset in (30, 90):
        SurveySchedule.objects.create(
            program=program, trigger=Trigger.LINE_START, offset_days=offset
        )
    return program


def _row(planned: PlannedInvitation) -> SurveyInvitation:
    skipped = planned.skip_reason is not None
    return SurveyInvitation(
        program_id=planned.program_id,
        schedule_id=planned.schedule_id,
        account_id=planned.account_id,
        contact_id=planned.contact_id,
        line_id=planned.line_id,
        product_id=planned.product_id,
        due_on=planned.due_on,
        tenure_days=planned.tenure_days,
        status=InvitationStatus.SKIPPED if skipped else InvitationStatus.SCHEDULED,
        skip_reason=planned.skip_reason or "",
        send_after=None if skipped else planned.send_after,
        language=planned.language,
        nonce="" if skipped else secrets.token_urlsafe(16),
    )


def invitations_create(
    *, today: dt.date, now: dt.datetime | None = None, catch_up_days: int = CATCH_UP_DAYS
) -> CreateReport:
    """Create the invitations due on ``today`` (and the ``catch_up_days`` before it), the
    skipped ones with their reason. A rerun creates nothing: the plan leaves out what exists,
    and a row another worker wrote meanwhile is ignored by the unique constraints."""
    now = now or timezone.now()
    tenant = tenant_settings_get()
    inputs = schedule_inputs(today=today, catch_up_days=catch_up_days, time_zone=tenant.time_zone)
    if not inputs.schedules:
        return CreateReport(0, 0, 0)
    plan = inputs.plan(
        today=today, now=now, time_zone=tenant.time_zone, catch_up_days=catch_up_days
    )
    rows = [_row(planned) for planned in plan.all]
    before = SurveyInvitation.objects.count()
    SurveyInvitation.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    created = SurveyInvitation.objects.count() - before
    for planned in plan.skipped:
        log.info("survey invitation skipped: schedule %s contact %s line %s (%s)",
                 planned.schedule_id, planned.contact_id, planned.line_id,
                 planned.skip_reason)  # fmt: skip
    return CreateReport(planned=len(rows), created=created, skipped=len(plan.skipped))


def _claim(invitation_id: int, now: dt.datetime, valid_days: int) -> bool:
    return (
        SurveyInvitation.objects.filter(
            pk=invitation_id, status=InvitationStatus.SCHEDULED, send_after__lte=now
        ).update(
            status=InvitationStatus.SENT,
            sent_at=now,
            expires_at=now + dt.timedelta(days=valid_days),
        )
        == 1
    )


def invitation_send(*, invitation_id: int, now: dt.datetime) -> bool | None:
    """Send one scheduled, due invitation: True sent, False failed (retried later with
    ``core.delivery``'s back-off, skipped as ``send_failed`` after the last attempt), None
    when there was nothing to do (not due, not scheduled, or another run claimed it)."""
    invitation = SurveyInvitation.objects.select_related("program", "contact").filter(
        pk=invitation_id
    )
    found = invitation.first()
    if found is None or not _claim(invitation_id, now, found.program.link_valid_days):
        return None
    found.refresh_from_db()
    try:
        sending.invitation_email_send(invitation=found, reminder=False)
    except sending.SendFailed as failure:
        _record_failure(found, now, failure)
        return False
    log.info("survey invitation %s sent to contact %s", found.pk, found.contact_id)
    return True


def _record_failure(invitation: SurveyInvitation, now: dt.datetime, failure: Exception) -> None:
    attempts = invitation.send_attempts + 1
    wait = retry_delay(attempts)
    values: dict[str, object] = {"send_attempts": attempts, "sent_at": None, "expires_at": None}
    if wait is None or attempts >= MAX_ATTEMPTS:
        values |= {"status": InvitationStatus.SKIPPED, "skip_reason": SkipReason.SEND_FAILED}
    else:
        values |= {"status": InvitationStatus.SCHEDULED, "send_after": now + wait}
    SurveyInvitation.objects.filter(pk=invitation.pk).update(**values)
    log.warning("survey invitation %s: sending failed (attempt %s): %s",
                invitation.pk, attempts, failure)  # fmt: skip


def _reminders_due(now: dt.datetime) -> list[SurveyInvitation]:
    due: list[SurveyInvitation] = []
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    for program in SurveyProgram.objects.all():
        quiet = send_after(
            now, quiet_start=program.quiet_start, quiet_end=program.quiet_end, zone=zone
        )
        if quiet != now:
            continue  # inside the program's quiet hours: the reminder waits
        cutoff = now - dt.timedelta(days=program.remind_after_days)
        due += list(
            SurveyInvitation.objects.filter(
                program=program,
                status=InvitationStatus.SENT,
                reminded_at__isnull=True,
                sent_at__lte=cutoff,
                expires_at__gt=now,
            ).order_by("pk")[:SEND_BATCH]
        )
    return due


def _remind(invitation: SurveyInvitation, now: dt.datetime) -> bool:
    """One reminder; a failed one is not tried again (the first e-mail went through)."""
    claimed = SurveyInvitation.objects.filter(
        pk=invitation.pk, status=InvitationStatus.SENT, reminded_at__isnull=True
    ).update(reminded_at=now)
    if claimed != 1:
        return False
    try:
        sending.invitation_email_send(invitation=invitation, reminder=True)
    except sending.SendFailed as failure:
        log.warning("survey invitation %s: reminder failed: %s", invitation.pk, failure)
        return False
    return True


def invitations_send_due(*, now: dt.datetime | None = None) -> SendReport:
    """Expire the links whose time is up, send what is due, and remind once."""
    now = now or timezone.now()
    expired = SurveyInvitation.objects.filter(
        status=InvitationStatus.SENT, expires_at__lte=now
    ).update(status=InvitationStatus.EXPIRED)
    sent = failed = 0
    ids = list(invitations_due_to_send(now=now).values_list("pk", flat=True)[:SEND_BATCH])
    for invitation_id in ids:
        outcome = invitation_send(invitation_id=invitation_id, now=now)
        sent += outcome is True
        failed += outcome is False
    reminded = sum(_remind(invitation, now) for invitation in _reminders_due(now))
    return SendReport(sent=sent, failed=failed, reminded=reminded, expired=expired)


class AnswerRefused(ValueError):
    """The answer cannot be taken: the link expired, or the score is not valid."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def link_is_open(invitation: SurveyInvitation, now: dt.datetime) -> bool:
    """Whether the invitation's link takes an answer now: sent or answered, and not expired."""
    return (
        invitation.status in {InvitationStatus.SENT, InvitationStatus.ANSWERED}
        and invitation.expires_at is not None
        and now < invitation.expires_at
    )


@transaction.atomic
def answer_through_link(
    *, invitation: SurveyInvitation, score: int, comment: str, now: dt.datetime | None = None
) -> SurveyAnswer:
    """Record the contact's answer. A second answer through the same link before it expires
    replaces the first; the first is kept as a ``SurveyAnswerRevision``. Each is an audit
    event on the account's history (by nobody: the contact answered; via ``link``): the
    answer created, then the answer updated with its old and new score, comment and time.
    Raises ``AnswerRefused`` ("expired", "score") and writes nothing then."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_for_update()
        .select_related("program", "contact")
        .get(pk=invitation.pk)
    )
    if not link_is_open(invitation, now):
        raise AnswerRefused("expired")
    program = invitation.program
    low, high = SCORE_RANGE[program.kind]
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise AnswerRefused("score")
    comment = comment.strip()[:COMMENT_MAX]
    answer = SurveyAnswer.objects.filter(invitation=invitation).first()
    if answer is None:
        try:
            with transaction.atomic():
                answer = _answer_create(invitation, score, comment, now)
        except IntegrityError:  # a concurrent first answer won: replace it
            answer = SurveyAnswer.objects.get(invitation=invitation)
            _answer_replace(answer, score, comment, now)
    else:
        _answer_replace(answer, score, comment, now)
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.ANSWERED, answered_at=now
    )
    # a detractor's follow-up opened (or a replaced answer's read again)
    followups_for_answers(answer_ids=[answer.pk], now=now)
    return answer


#: the fields an answer's audit events record (and its program, by code)
AUDITED_FIELDS = ("contact", "kind", "score", "comment", "answered_at", "source")


def _audited(name: str, value: object) -> object:
    if name == "contact":
        return f"{value} (#{getattr(value, 'pk', '')})" if value is not None else None
    return value.isoformat() if isinstance(value, dt.datetime) else value


def answer_audit_created(answer: SurveyAnswer, *, actor: object, via: str) -> None:
    """The audit event of a new answer, on its account's history: its program (by code: a
    program's name is in the language of whoever answered) and ``AUDITED_FIELDS``."""
    changes: dict[str, list[object]] = {"program": [None, answer.program.code]}
    for name in AUDITED_FIELDS:
        changes[name] = [None, _audited(name, getattr(answer, name))]
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=answer,
        account_id=answer.account_id,
        changes=changes,
        via=via,
    )


def _answer_create(
    invitation: SurveyInvitation, score: int, comment: str, now: dt.datetime
) -> SurveyAnswer:
    answer = _answer_new(invitation, score, comment, now)
    answer_audit_created(answer, actor=None, via="link")
    return answer


def _answer_new(
    invitation: SurveyInvitation, score: int, comment: str, now: dt.datetime
) -> SurveyAnswer:
    return SurveyAnswer.objects.create(
        program=invitation.program,
        kind=invitation.program.kind,
        invitation=invitation,
        account_id=invitation.account_id,
        contact=invitation.contact,
        email=invitation.contact.email,
        product_id=invitation.product_id,
        score=score,
        comment=comment,
        answered_at=now,
        tenure_days=invitation.tenure_days,
        source=AnswerSource.LINK,
    )


def _answer_replace(answer: SurveyAnswer, score: int, comment: str, now: dt.datetime) -> None:
    SurveyAnswerRevision.objects.create(
        answer=answer,
        score=answer.score,
        comment=answer.comment,
        answered_at=answer.answered_at,
        replaced_at=now,
    )
    before = {name: _audited(name, getattr(answer, name)) for name in _REPLACED_FIELDS}
    SurveyAnswer.objects.filter(pk=answer.pk).update(
        score=score,
        comment=comment,
        comment_normalized=normalize_text(comment),
        answered_at=now,
        replaced=True,
    )
    answer.refresh_from_db()
    after = {name: _audited(name, getattr(answer, name)) for name in _REPLACED_FIELDS}
    changes = {
        name: [before[name], after[name]]
        for name in _REPLACED_FIELDS
        if before[name] != after[name]
    }
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        instance=answer,
        account_id=answer.account_id,
        changes=changes,
        via="link",
    )


#: what a second answer through the same link changes (``replaced``: True from then on)
_REPLACED_FIELDS = ("score", "comment", "answered_at", "replaced")
