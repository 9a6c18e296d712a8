"""Importing touchpoints from CSV exports (Salesforce activities, calendars, any CSV).

Policy (docs/imports.md): every row that can become a touchpoint is imported, every row that
cannot is listed with its row number and reason(s), and a row imported before (same
``external_id``: ``<source>:<id column>`` or ``<source>:<sha256 of the mapped row>``) is
counted as a skipped duplicate, never created twice. A dry run computes all of it and writes
only the ``TouchpointImport`` record with its counts and rejected rows.

Lookups are done in bulk (accounts by CRM ID, name or contact e-mail; members; the external IDs
already imported), so the number of queries does not grow with the number of rows.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.customers.models import Account, Contact
from kizuna.apps.customers.services import accounts_mark_health_stale
from kizuna.apps.org.access import can_edit_account, require_touchpoint_import
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.apps.touchpoints.dates import EARLIEST_DAY, FUTURE, TOO_EARLY, touch_day_problem
from kizuna.apps.touchpoints.models import (
    ImportSource,
    ImportStatus,
    Touchpoint,
    TouchpointImport,
    TouchpointKind,
)
from kizuna.integrations.activity_csv import (
    FIELDS,
    GENERIC,
    MAX_BYTES,
    ActivityRow,
    CsvError,
    Preset,
    RowError,
    decode,
    guess_mapping,
    map_rows,
    read_table,
)
from kizuna.integrations.calendar import events
from kizuna.integrations.salesforce import activities

PRESETS: dict[str, Preset] = {
    ImportSource.SALESFORCE: activities.PRESET,
    ImportSource.CALENDAR: events.PRESET,
    ImportSource.CSV: GENERIC,
}
PREVIEW_ROWS = 20
CHUNK = 500


def rejection_reason(code: str, value: str = "") -> str:
    """A row error in the reader's language."""
    messages = {
        "no_account": _("No account: the account name, CRM ID and attendees are all empty."),
        "unknown_account": _("No account with the CRM ID or name “%(value)s”."),
        "ambiguous_account": _("Several accounts are named “%(value)s”: map the CRM ID column."),
        "no_contact_account": _("No account has a contact among the attendees (%(value)s)."),
        "many_contact_accounts": _(
            "The attendees (%(value)s) are contacts of several accounts: add an account column."
        ),
        "unknown_csm": _("No active member with the user name, e-mail or name “%(value)s”."),
        "ambiguous_csm": _("Several members are named “%(value)s”: use the user name or e-mail."),
        "bad_date": _("Unreadable date “%(value)s” (write e.g. 2026/11/05 14:30)."),
        "no_date": _("The date is empty."),
        FUTURE: _(
            "The date %(value)s is after today: only touchpoints that took place are imported."
        ),
        TOO_EARLY: _("The date %(value)s is before %(earliest)s: check the year."),
        "unknown_kind": _("Unknown activity type “%(value)s”."),
        "no_kind": _("The activity type is empty."),
        "not_editable": _("You may not log touchpoints for “%(value)s”."),
    }
    earliest = f"{EARLIEST_DAY:%Y-%m-%d}"
    return messages.get(code, code) % {"value": value, "earliest": earliest}


def csv_error_message(code: str) -> str:
    messages = {
        "too_large": _("The file is larger than %(size)d MB. Split it and import the parts.")
        % {"size": MAX_BYTES // (1024 * 1024)},
        "encoding": _(
            "The file is not text in UTF-8, UTF-16 or Shift_JIS (a spreadsheet or another "
            "binary file?). Save it from Excel as “CSV UTF-8” and try again."
        ),
        "empty": _("The file has no header row."),
    }
    return messages.get(code, code)


@dataclass
class PlanEntry:
    """One data row after lookups: ``status`` is ok, duplicate or rejected."""

    line: int
    status: str
    occurred_at: dt.datetime | None
    kind: str | None
    summary: str
    account: Account | None
    csm: User | None
    account_label: str
    external_id: str
    errors: list[RowError] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(TouchpointKind(self.kind).label) if self.kind else ""

    @property
    def reasons(self) -> list[str]:
        return [rejection_reason(error.code, error.value) for error in self.errors]


@dataclass
class ImportPlan:
    entries: list[PlanEntry]

    def _with(self, status: str) -> list[PlanEntry]:
        return [entry for entry in self.entries if entry.status == status]

    @property
    def good(self) -> list[PlanEntry]:
        return self._with("ok")

    @property
    def duplicates(self) -> list[PlanEntry]:
        return self._with("duplicate")

    @property
    def rejected(self) -> list[PlanEntry]:
        return self._with("rejected")

    @property
    def preview(self) -> list[PlanEntry]:
        return self.entries[:PREVIEW_ROWS]


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values) - {""})
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class _Directory:
    """Everything the rows refer to, fetched in bulk before any row is looked at."""

    by_crm_id: dict[str, Account]
    by_name: dict[str, list[Account]]
    by_email: dict[str, set[Account]]
    members: dict[str, list[User]]
    imported: set[str]

    @classmethod
    def load(cls, rows: list[ActivityRow], source: str) -> _Directory:
        accounts = Account.objects.select_related("owner")
        by_crm_id: dict[str, Account] = {}
        by_name: dict[str, list[Account]] = defaultdict(list)
        for chunk in _chunks(row.account_crm_id for row in rows):
            by_crm_id.update(
                (a.external_crm_id or "", a) for a in accounts.filter(external_crm_id__in=chunk)
            )
        for chunk in _chunks(row.account_name for row in rows):
            for account in accounts.filter(name__in=chunk):
                by_name[account.name].append(account)
        by_email: dict[str, set[Account]] = defaultdict(set)
        emails = (email for row in rows for email in row.attendees)
        for chunk in _chunks(emails):
            contacts = (
                Contact.objects.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=chunk)
                .select_related("account__owner")
            )
            for contact in contacts:
                by_email[contact.email.lower()].add(contact.account)
        members: dict[str, list[User]] = defaultdict(list)
        for user in User.objects.filter(is_active=True):
            keys = {user.username, user.email.lower(), " ".join(user.display_name.split())}
            for key in keys - {""}:
                members[key].append(user)
        imported: set[str] = set()
        for chunk in _chunks(row.external_id(source) for row in rows):
            found = Touchpoint.objects.filter(external_id__in=chunk)
            imported.update(str(value) for value in found.values_list("external_id", flat=True))
        return cls(by_crm_id, by_name, by_email, members, imported)

    def account(self, row: ActivityRow) -> tuple[Account | None, RowError | None]:
        if row.account_crm_id in self.by_crm_id:
            return self.by_crm_id[row.account_crm_id], None
        if row.account_name or row.account_crm_id:
            named = self.by_name.get(row.account_name, [])
            if len(named) == 1:
                return named[0], None
            if len(named) > 1:
                return None, RowError("ambiguous_account", row.account_name)
            return None, RowError("unknown_account", row.account_name or row.account_crm_id)
        if not row.attendees:
            return None, None  # the row already carries "no_account"
        found = {a for email in row.attendees for a in self.by_email.get(email, set())}
        attendees = ", ".join(row.attendees)
        if len(found) == 1:
            return found.pop(), None
        return None, RowError("many_contact_accounts" if found else "no_contact_account", attendees)

    def member(self, name: str, actor: User) -> tuple[User | None, RowError | None]:
        if not name:
            return actor, None
        found = self.members.get(name) or self.members.get(name.lower()) or []
        if len(found) == 1:
            return found[0], None
        return None, RowError("ambiguous_csm" if found else "unknown_csm", name)


def _aware(value: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _date_errors(
    occurred_at: dt.datetime, zone: zoneinfo.ZoneInfo, today: dt.date
) -> list[RowError]:
    """A row dated after today or before 2000-01-01 (``dates``) is rejected, its date shown."""
    code = touch_day_problem(occurred_at, zone=zone, today=today)
    if code is None:
        return []
    day = occurred_at.date()
    return [RowError(code, f"{day.year:04d}-{day.month:02d}-{day.day:02d}")]


def import_plan(*, actor: User, record: TouchpointImport) -> ImportPlan:
    """What importing ``record`` with its mapping would do, row by row. Writes nothing."""
    preset = PRESETS[record.source]
    rows = map_rows(read_table(record.raw_csv), record.mapping, preset)
    directory = _Directory.load(rows, preset.source)
    settings = tenant_settings_get()
    zone, today = zoneinfo.ZoneInfo(settings.time_zone), tenant_today(settings)
    seen: set[str] = set()
    entries: list[PlanEntry] = []
    for row in rows:
        errors = list(row.errors)
        occurred_at = _aware(row.occurred_at, zone) if row.occurred_at else None
        date_errors = _date_errors(occurred_at, zone, today) if occurred_at else []
        if date_errors:  # shown by its reason; year 1 or 9999 must not reach the templates
            errors, occurred_at = errors + date_errors, None
        account, account_error = directory.account(row)
        csm, csm_error = directory.member(row.csm, actor)
        errors += [error for error in (account_error, csm_error) if error is not None]
        external_id = row.external_id(preset.source)
        status = "rejected" if errors else "ok"
        if status == "ok" and (external_id in directory.imported or external_id in seen):
            status = "duplicate"
        elif status == "ok" and account is not None and not can_edit_account(actor, account):
            errors.append(RowError("not_editable", account.name))
            status = "rejected"
        if status == "ok":
            seen.add(external_id)
        entries.append(
            PlanEntry(
                line=row.line,
                status=status,
                occurred_at=occurred_at,
                kind=row.kind,
                summary=row.summary,
                account=account,
                csm=csm,
                account_label=account.name if account else row.account_name or row.account_crm_id,
                external_id=external_id,
                errors=errors,
            )
        )
    return ImportPlan(entries)


def import_touchpoints(*, record: TouchpointImport, limit: int = PREVIEW_ROWS) -> list[Touchpoint]:
    """The touchpoints that exist for the rows of ``record``'s file (imported now or before),
    in the file's order of time, at most ``limit``."""
    preset = PRESETS[record.source]
    rows = map_rows(read_table(record.raw_csv), record.mapping, preset)
    ids = [row.external_id(preset.source) for row in rows if not row.errors]
    found: list[Touchpoint] = []
    for chunk in _chunks(ids):
        if len(found) >= limit:
            break
        queryset = Touchpoint.objects.filter(external_id__in=chunk).select_related("account", "csm")
        found.extend(queryset.order_by("occurred_at", "id")[:limit])
    return sorted(found, key=lambda touchpoint: touchpoint.occurred_at)[:limit]


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row of an import that was not imported: its line in the file and why, in the reader's
    language."""

    line: int
    reasons: list[str]


def import_rejected_rows(record: TouchpointImport) -> list[RejectedRow]:
    """The rejected rows stored with ``record``, their reasons in the reader's language."""
    return [
        RejectedRow(
            line=row["line"],
            reasons=[rejection_reason(error["code"], error["value"]) for error in row["errors"]],
        )
        for row in record.rejected_rows
    ]


def _store_outcome(record: TouchpointImport, plan: ImportPlan, *, created: int) -> None:
    record.row_count = len(plan.entries)
    record.created_count = created
    record.duplicate_count = len(plan.duplicates)
    record.rejected_count = len(plan.rejected)
    record.rejected_rows = [
        {
            "line": entry.line,
            "errors": [{"code": e.code, "value": e.value} for e in entry.errors],
        }
        for entry in plan.rejected
    ]


def _read_upload(data: bytes) -> tuple[str, str]:
    try:
        text, encoding = decode(data)
        read_table(text)
    except CsvError as error:
        raise ValidationError(csv_error_message(error.code), code=error.code) from None
    return text, encoding


@transaction.atomic
def touchpoint_import_start(
    *, actor: User, file_name: str, data: bytes, source: str
) -> tuple[TouchpointImport, ImportPlan]:
    """Read an uploaded file, map its columns by the ``source`` preset and run the dry run.

    Raises ``ValidationError`` for a file over 5 MB, not text in UTF-8 / UTF-16 / Shift_JIS, or
    without header.
    """
    require_touchpoint_import(actor)
    text, encoding = _read_upload(data)
    record = TouchpointImport(
        created_by=actor,
        source=source,
        file_name=file_name[:255],
        encoding=encoding,
        raw_csv=text,
        mapping=guess_mapping(read_table(text).headers, PRESETS[source]),
    )
    plan = import_plan(actor=actor, record=record)
    _store_outcome(record, plan, created=0)
    record.save()
    return record, plan


@transaction.atomic
def touchpoint_import_remap(
    *, actor: User, record: TouchpointImport, mapping: Mapping[str, str]
) -> ImportPlan:
    """Change the column mapping of a dry run and compute its preview again."""
    require_touchpoint_import(actor)
    if record.status != ImportStatus.DRY_RUN:
        raise ValidationError(_("This file has already been imported."))
    headers = set(read_table(record.raw_csv).headers)
    record.mapping = {name: mapping.get(name, "") for name in FIELDS}
    record.mapping = {k: v if v in headers else "" for k, v in record.mapping.items()}
    plan = import_plan(actor=actor, record=record)
    _store_outcome(record, plan, created=0)
    record.save()
    return plan


def _audit_events(actor: User, touchpoints: list[Touchpoint]) -> list[AuditEvent]:
    return [
        AuditEvent(
            actor=actor,
            action=AuditAction.CREATE,
            entity="touchpoint",
            entity_id=touchpoint.pk,
            account_id=touchpoint.account_id,
            changes={
                "csm": [None, f"{touchpoint.csm} (#{touchpoint.csm_id})"],
                "kind": [None, touchpoint.kind],
                "occurred_at": [None, touchpoint.occurred_at.isoformat()],
                "summary": [None, touchpoint.summary],
            },
            via="import",
        )
        for touchpoint in touchpoints
    ]


def _touchpoint(entry: PlanEntry, actor: User) -> Touchpoint:
    # A good row has every value; the asserts tell the type checker what the plan checked.
    assert entry.account and entry.csm and entry.kind and entry.occurred_at
    return Touchpoint(
        account=entry.account,
        csm=entry.csm,
        kind=entry.kind,
        occurred_at=entry.occurred_at,
        summary=entry.summary,
        external_id=entry.external_id,
        created_by=actor,
    )


@transaction.atomic
def touchpoint_import_run(*, actor: User, record: TouchpointImport) -> TouchpointImport:
    """Import the good rows of ``record`` (mapping as last previewed), each audited.

    Good rows are created, rejected rows are listed, duplicates are skipped. Running it twice
    on the same record is refused; uploading the same file again creates nothing new.
    """
    require_touchpoint_import(actor)
    record = TouchpointImport.objects.select_for_update().get(pk=record.pk)
    if record.status != ImportStatus.DRY_RUN:
        raise ValidationError(_("This file has already been imported."))
    plan = import_plan(actor=actor, record=record)
    touchpoints = [_touchpoint(entry, actor) for entry in plan.good]
    Touchpoint.objects.bulk_create(touchpoints, batch_size=CHUNK)
    AuditEvent.objects.bulk_create(_audit_events(actor, touchpoints), batch_size=CHUNK)
    accounts_mark_health_stale(account_ids={t.account_id for t in touchpoints})
    _store_outcome(record, plan, created=len(touchpoints))
    record.status = ImportStatus.IMPORTED
    record.imported_at = timezone.now()
    record.save()
    return record
