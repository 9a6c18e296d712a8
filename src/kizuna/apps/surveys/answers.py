"""Answers from outside the survey link: a survey tool's CSV export (``answers_import``) and
one answer posted through the API (``answer_post``). docs/surveys.md, docs/imports.md.

Both check an answer the same way (``core.voc.answer_import``) and give the same reason
codes; an imported answer has source ``import``, a posted one ``api``. The import is also a
kind of ``apps.imports`` (``ANSWERS``, registered by this app's ``ready``): the upload page
with its dry run, the runs and their rejected rows, the drop folder; such an import records
one audit event for its run (its counts), a posted answer one event of its own. Each answer
belongs to its contact's account; ``tenure_days`` counts from the account's earliest line
start that is running (started, not ended) on the answer's day, when there is one.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from kizuna.apps.audit.services import EventRow
from kizuna.apps.customers.models import Contact, SubscriptionLine
from kizuna.apps.imports.models import ImportKind
from kizuna.apps.imports.services import KindSpec, Writing
from kizuna.apps.surveys.followups import followups_for_answers
from kizuna.apps.surveys.models import AnswerSource, SurveyAnswer, SurveyProgram
from kizuna.apps.surveys.services import DEFAULT_PROGRAM_CODE, answer_audit_created
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.imports.accounts import Rejected
from kizuna.core.imports.columns import AccountFormat, FileRefused, ImportMapping
from kizuna.core.imports.files import CsvError, Table, decode, read_table
from kizuna.core.imports.plan import Change, Plan
from kizuna.core.voc.answer_import import (
    ANSWER_FORMAT,
    AnswerRow,
    Directory,
    answer_columns,
    read_answer_rows,
)
from kizuna.core.voc.topics import normalize_text

#: an answer file's largest size (a larger one is refused whole, ``too_large``)
MAX_ANSWER_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class AnswerImportResult:
    encoding: str
    created: int
    rejected: tuple[Rejected, ...]
    dry_run: bool

    @property
    def summary(self) -> str:
        return f"created {self.created:,}, rejected {len(self.rejected):,}"


def _table(data: bytes) -> tuple[Table, str]:
    try:
        text, encoding = decode(data, max_bytes=MAX_ANSWER_FILE_BYTES)
        return read_table(text), encoding
    except CsvError as error:
        raise FileRefused(error.code) from None


def contact_emails(emails: Iterable[str] | None = None) -> dict[str, int]:
    """E-mail (case-folded) → contact id; an e-mail two contacts share names neither."""
    found: dict[str, int] = {}
    shared: set[str] = set()
    contacts = Contact.objects.exclude(email="")
    if emails is not None:
        wanted = {email.casefold() for email in emails}
        contacts = contacts.filter(email__in=wanted | set(emails))
    for pk, email in contacts.values_list("pk", "email").order_by("pk"):
        key = email.casefold()
        if key in found:
            shared.add(key)
        found[key] = pk
    return {key: pk for key, pk in found.items() if key not in shared}


def _directory(contact_ids: Collection[int] | None = None) -> Directory:
    programs = dict(SurveyProgram.objects.exclude(code="").values_list("code", "kind"))
    stored = SurveyAnswer.objects.filter(contact__isnull=False)
    if contact_ids is not None:
        stored = stored.filter(contact_id__in=contact_ids)
    keys = {
        (contact, code, when)
        for contact, code, when in stored.values_list("contact_id", "program__code", "answered_at")
    }
    ids = set(SurveyAnswer.objects.exclude(external_id="").values_list("external_id", flat=True))
    return Directory(
        contacts=contact_emails(),
        programs=programs,
        default_program=DEFAULT_PROGRAM_CODE if DEFAULT_PROGRAM_CODE in programs else None,
        stored_keys=keys,
        stored_ids=ids,
    )


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tenant_settings_get().time_zone)


def _line_spans(account_ids: Collection[int]) -> dict[int, list[tuple[dt.date, dt.date | None]]]:
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for account, start, end in SubscriptionLine.objects.filter(
        account_id__in=account_ids
    ).values_list("account_id", "start_date", "end_date"):
        spans.setdefault(account, []).append((start, end))
    return spans


def tenure_days(
    spans: list[tuple[dt.date, dt.date | None]], when: dt.datetime, zone: zoneinfo.ZoneInfo
) -> int | None:
    """Days from the earliest start of the lines running on ``when``'s day, or None."""
    day = when.astimezone(zone).date()
    starts = [start for start, end in spans if start <= day and (end is None or day < end)]
    return (day - min(starts)).days if starts else None


def _answers(rows: list[AnswerRow], source: str) -> list[SurveyAnswer]:
    zone = _zone()
    programs = {program.code: program for program in SurveyProgram.objects.exclude(code="")}
    contacts = Contact.objects.in_bulk({row.contact_id for row in rows})
    spans = _line_spans({contact.account_id for contact in contacts.values()})
    answers = []
    for row in rows:
        contact, program = contacts[row.contact_id], programs[row.program]
        answers.append(
            SurveyAnswer(
                program=program,
                kind=program.kind,
                account_id=contact.account_id,
                contact=contact,
                email=contact.email,
                score=row.score,
                comment=row.comment,
                comment_normalized=normalize_text(row.comment),
                answered_at=row.answered_at,
                tenure_days=tenure_days(spans.get(contact.account_id, []), row.answered_at, zone),
                source=source,
                external_id=row.external_id,
            )
        )
    return answers


def answers_import(
    *, data: bytes, dry_run: bool = False, today: dt.date | None = None
) -> AnswerImportResult:
    """Import the answers of a CSV export: the good rows are written (one transaction), every
    rejected row is listed with its reason; a dry run writes nothing. ``FileRefused`` for a
    file refused whole (too_large, encoding — a NUL byte too —, empty, missing_column)."""
    table, encoding = _table(data)
    answer_columns(table)  # a missing column refuses the file before anything is read
    zone = _zone()
    today = today or timezone.localdate(timezone.now(), zone)
    with transaction.atomic():
        rows, rejected = read_answer_rows(table, _directory(), zone=zone, today=today)
        if not dry_run and rows:
            created = SurveyAnswer.objects.bulk_create(
                _answers(rows, AnswerSource.IMPORT), batch_size=1000
            )
            # the detractors' follow-ups (an answer without its id is caught by the minute job)
            followups_for_answers(answer_ids=[a.pk for a in created if a.pk is not None])
    return AnswerImportResult(
        encoding=encoding, created=len(rows), rejected=tuple(rejected), dry_run=dry_run
    )


def _plan_answers(
    table: Table, columns: dict[str, int], answer_format: AccountFormat, mapping: ImportMapping
) -> tuple[Plan, list[AnswerRow]]:
    """The import service's plan of an answer file: every good row created (an answer is
    never updated: a row already stored is a ``duplicate``), every other row rejected."""
    zone = _zone()
    today = timezone.localdate(timezone.now(), zone)
    rows, rejected = read_answer_rows(table, _directory(), zone=zone, today=today, columns=columns)
    created = tuple(
        Change(
            line=row.line,
            external_id=row.external_id or row.email,
            values={"email": row.email, "program": row.program, "score": row.score},
        )
        for row in rows
    )
    plan = Plan(
        created=created,
        updated=(),
        unchanged=(),
        rejected=tuple(rejected),
        missing=(),
        unmatched_owners=(),
        owner_differs=(),
    )
    return plan, rows


def _write_answers(writing: Writing) -> list[EventRow]:
    """Write the plan's answers; the run's audit event stands for them (``audit_run``)."""
    rows: list[AnswerRow] = writing.context
    if rows:
        created = SurveyAnswer.objects.bulk_create(
            _answers(rows, AnswerSource.IMPORT), batch_size=1000
        )
        # the detractors' follow-ups (an answer without its id is caught by the minute job)
        followups_for_answers(answer_ids=[a.pk for a in created if a.pk is not None])
    writing.progress(len(rows), len(rows))
    return []


#: survey answers as a kind of ``apps.imports``: one generic CSV format, at most 5 MB
ANSWERS = KindSpec(
    ImportKind.ANSWERS,
    {ANSWER_FORMAT.code: ANSWER_FORMAT},
    _plan_answers,
    _write_answers,
    max_bytes=MAX_ANSWER_FILE_BYTES,
    audit_run=True,
)


class AnswerRefused(Exception):
    """A posted answer refused: ``code`` is one of the import's reason codes."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def answer_post(
    *,
    contact: Contact | None,
    email: str,
    program_code: str,
    score: int,
    comment: str,
    answered_at: dt.datetime | None,
    now: dt.datetime | None = None,
    actor: object = None,
) -> SurveyAnswer:
    """Record one answer posted through the API (source ``api``) and its audit event (by
    ``actor``, the token's member); ``AnswerRefused`` with the import's reason code when it
    would be rejected there."""
    now = now or timezone.now()
    zone = _zone()
    if contact is None:
        if not email.strip():
            raise AnswerRefused("missing_email")
        found = contact_emails([email.strip()]).get(email.strip().casefold())
        if found is None:
            raise AnswerRefused("unknown_contact")
        contact = Contact.objects.get(pk=found)
    when = (answered_at or now).isoformat()
    table = Table(
        headers=("email", "score", "comment", "answered_at", "program"),
        rows=((1, (contact.email or "-", str(score), comment, when, program_code)),),
    )
    directory = _directory([contact.pk])
    directory = Directory(
        contacts={(contact.email or "-").casefold(): contact.pk},
        programs=directory.programs,
        default_program=directory.default_program,
        stored_keys=directory.stored_keys,
        stored_ids=(),
    )
    with transaction.atomic():
        rows, rejected = read_answer_rows(
            table, directory, zone=zone, today=timezone.localdate(now, zone)
        )
        if rejected:
            raise AnswerRefused(rejected[0].code)
        answer = _answers(rows, AnswerSource.API)[0]
        answer.save()
        answer_audit_created(answer, actor=actor, via="api")
        followups_for_answers(answer_ids=[answer.pk], now=now)
    return answer
