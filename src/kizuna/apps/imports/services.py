"""Importing a company's records from CRM exports: the one service the command line, the page
and the folder sync call.

``run_import(kind, ...)`` reads the file through the pure core (``kizuna.core.imports``),
finds its format among the kind's (``KindSpec``), checks the columns against the last import
(drift), plans the rows against what is stored, and either returns the plan (a dry run:
nothing written, not even a run) or writes it in one transaction: new records, changed fields,
one audit event per record, the saved mapping and the run. A kill (or any error) before the
commit leaves nothing; an import is repeated from the start, and a repeat changes nothing that
is already there.

Callers check permissions first (``org.access.can_import_accounts`` on the page; the command
line runs as whoever can reach the server's shell and database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import models, transaction
from django.utils import timezone, translation

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import EventRow, audit_event_row, audit_insert
from kizuna.apps.customers.models import Account, Contact, Industry, Product, SubscriptionLine
from kizuna.apps.customers.services import account_refresh_mrr, accounts_mark_health_stale
from kizuna.apps.customers.signals import subscription_lines_changed
from kizuna.apps.imports.models import (
    REJECTS_KEPT,
    ImportKind,
    ImportRun,
    RunStatus,
    SavedMapping,
)
from kizuna.apps.org.models import Role, Team, User
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.imports.accounts import Rejected, file_ids, read_rows
from kizuna.core.imports.columns import (
    AccountFormat,
    FileRefused,
    ImportMapping,
    detect_format,
    parse_mapping,
    resolve_columns,
)
from kizuna.core.imports.contacts import (
    CONTACT_UPDATE_FIELDS,
    make_contact_plan,
    read_contact_rows,
)
from kizuna.core.imports.files import (
    CsvError,
    Table,
    decode,
    is_parquet,
    normalise,
    read_parquet_table,
    read_table,
)
from kizuna.core.imports.lines import (
    LINE_UPDATE_FIELDS,
    LineTargets,
    make_line_plan,
    read_line_rows,
)
from kizuna.core.imports.members import make_member_plan, read_member_rows
from kizuna.core.imports.plan import (
    UPDATE_FIELDS,
    Change,
    Existing,
    Member,
    OwnerDirectory,
    Plan,
    make_plan,
)
from kizuna.core.money import mrr_from_billing
from kizuna.db.bulk import bulk_insert, bulk_update_rows
from kizuna.integrations.account_formats import ACCOUNT_FORMATS
from kizuna.integrations.contact_formats import CONTACT_FORMATS
from kizuna.integrations.line_formats import LINE_FORMATS
from kizuna.integrations.member_formats import MEMBER_FORMATS

#: the largest file an import reads (100,000 accounts of a Salesforce export are ~40 MB)
MAX_FILE_BYTES = 200 * 1024 * 1024
_CHUNK = 2000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    plan: Plan
    source: str
    encoding: str
    dry_run: bool
    run: ImportRun | None


def _no_progress(done: int, total: int) -> None:
    return None


def _mapping(
    kind: str, source: str, mapping_text: str | None, fields: tuple[str, ...]
) -> tuple[ImportMapping, SavedMapping | None]:
    """The mapping given (parsed and checked) or else the one saved for this kind and source,
    and the saved one (its columns are what the drift check compares against)."""
    saved = SavedMapping.objects.filter(kind=kind, source=source).first()
    if mapping_text is not None:
        return parse_mapping(mapping_text, industry_codes=Industry.values, fields=fields), saved
    data = saved.mapping if saved else {}
    return ImportMapping(
        columns=data.get("columns", {}),
        owners=data.get("owners", {}),
        industries=data.get("industries", {}),
    ), saved


def _existing(ids: Iterable[str]) -> dict[str, Existing]:
    found: dict[str, Existing] = {}
    ordered = sorted(ids)
    fields = ["id", "external_crm_id", "crm_source", "owner_id", "parent__external_crm_id"]
    fields += UPDATE_FIELDS
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for row in Account.objects.filter(external_crm_id__in=chunk).values(*fields):
            found[row["external_crm_id"]] = Existing(
                id=row["id"],
                source=row["crm_source"],
                values={
                    **{name: row[name] for name in UPDATE_FIELDS},
                    "parent": row["parent__external_crm_id"],
                },
                owner=row["owner_id"],
            )
    return found


def _source_parents(source: str) -> dict[str, str | None]:
    """The stored parent links of the accounts imported from ``source``: CRM id → the parent's
    CRM id (None for a parent typed in Kizuna without one)."""
    rows = Account.objects.filter(crm_source=source, parent__isnull=False).values_list(
        "external_crm_id", "parent__external_crm_id"
    )
    return {str(child): parent for child, parent in rows if child}


def _source_ids(source: str) -> set[str]:
    """Every external id of an account imported from ``source``."""
    ids = Account.objects.filter(crm_source=source).values_list("external_crm_id", flat=True)
    return {external_id for external_id in ids if external_id}


def _members() -> tuple[list[Member], dict[int, User]]:
    users = {user.pk: user for user in User.objects.filter(is_active=True)}
    members = [
        Member(
            id=user.pk,
            username=user.username,
            email=user.email,
            display_name=user.display_name,
            full_name=f"{user.last_name} {user.first_name}",
            crm_user_id=user.crm_user_id,
        )
        for user in users.values()
    ]
    return members, users


def _table(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> tuple[Table, str]:
    """The file's header and rows, and its encoding (``parquet`` for a Parquet file);
    ``FileRefused`` when it is neither a CSV nor a Parquet file, or larger than
    ``max_bytes``."""
    try:
        if is_parquet(data):
            return read_parquet_table(data, max_bytes=max_bytes), "parquet"
        text, encoding = decode(data, max_bytes=max_bytes)
        return read_table(text), encoding
    except CsvError as error:
        raise FileRefused(error.code) from None


@dataclass(frozen=True)
class Planned:
    """A file read and planned, nothing written: the plan, the format, the encoding, the
    columns found (field → header), the mapping used, and what the kind's writer needs (the
    members by id for accounts, the accounts the rows name for contacts)."""

    plan: Plan
    record_format: AccountFormat
    encoding: str
    headers: dict[str, str]
    mapping: ImportMapping
    context: Any


@dataclass(frozen=True)
class Writing:
    """What a kind's writer is given, inside the import's transaction."""

    plan: Plan
    source: str
    context: Any
    actor: User | None
    via: str
    progress: Progress


@dataclass(frozen=True)
class KindSpec:
    """One kind of record an import brings in: its formats, how a read file becomes a plan
    (``plan(table, columns, format, mapping) → (Plan, context)``), and how a plan is written
    (``write(writing) → the audit events, as rows for ``audit_insert``)."""

    kind: ImportKind
    formats: Mapping[str, AccountFormat]
    plan: Callable[[Table, dict[str, int], AccountFormat, ImportMapping], tuple[Plan, Any]]
    write: Callable[[Writing], list[EventRow]]
    #: headers that mark a file of another kind (a Contact.csv has ``Id`` and ``Name`` too,
    #: but also ``AccountId``): such a file is refused whole (``wrong_kind``)
    foreign_headers: frozenset[str] = frozenset()
    #: the largest file of this kind (a larger one is refused whole, ``too_large``)
    max_bytes: int = MAX_FILE_BYTES
    #: records that are only ever created (survey answers): the run's audit event, with its
    #: counts, stands for them, instead of one event per record (``write`` returns none)
    audit_run: bool = False


def import_plan(
    spec: KindSpec,
    *,
    data: bytes,
    file_format: str | None,
    mapping_text: str | None,
    accept_drift: bool = False,
) -> Planned:
    """Read and plan an import of ``spec``'s kind without writing. Raises ``FileRefused``
    when the file cannot be imported at all."""
    table, encoding = _table(data, spec.max_bytes)
    foreign = [h for h in table.headers if normalise(h).casefold() in spec.foreign_headers]
    if foreign:
        raise FileRefused("wrong_kind", foreign[0])
    if file_format is None:
        record_format = detect_format(table.headers, list(spec.formats.values()))
    else:
        record_format = spec.formats[file_format]
    mapping, saved = _mapping(spec.kind, record_format.code, mapping_text, record_format.fields)
    columns = resolve_columns(
        table.headers,
        record_format,
        mapping,
        previous=saved.columns if saved else {},
        accept_drift=accept_drift,
    )
    plan, context = spec.plan(table, columns, record_format, mapping)
    headers = {name: table.headers[at] for name, at in columns.items()}
    return Planned(plan, record_format, encoding, headers, mapping, context)


def run_import(
    spec: KindSpec,
    *,
    actor: User | None,
    data: bytes,
    file_name: str,
    file_format: str | None = None,
    mapping_text: str | None = None,
    dry_run: bool = False,
    accept_drift: bool = False,
    via: str = "cli",
    progress: Progress = _no_progress,
) -> ImportResult:
    """Import (or, with ``dry_run``, plan) a file of ``spec``'s kind; see the module
    docstring. Raises ``FileRefused`` when the file is refused whole; a refused real import
    is recorded as a run with ``status=refused`` and its reason."""
    started = timezone.now()
    try:
        planned = import_plan(
            spec,
            data=data,
            file_format=file_format,
            mapping_text=mapping_text,
            accept_drift=accept_drift,
        )
    except FileRefused as refusal:
        if not dry_run:
            _refused_run(spec.kind, file_format or "", via, actor, file_name, started, refusal)
        raise
    source = planned.record_format.code
    if dry_run:
        return ImportResult(planned.plan, source, planned.encoding, True, None)
    run = ImportRun(
        kind=spec.kind,
        source=source,
        status=RunStatus.IMPORTED,
        via=via,
        actor=actor,
        file_name=file_name[:255],
        encoding=planned.encoding,
        started_at=started,
    )
    writing = Writing(planned.plan, source, planned.context, actor, via, progress)
    saved = (planned.mapping if mapping_text is not None else None, planned.headers)
    run = _write(spec, writing, saved, run)
    return ImportResult(planned.plan, source, planned.encoding, False, run)


@transaction.atomic
def _write(
    spec: KindSpec,
    writing: Writing,
    saved: tuple[ImportMapping | None, dict[str, str]],
    run: ImportRun,
) -> ImportRun:
    plan = writing.plan
    writing.progress(0, len(plan.created) + len(plan.updated))
    events = spec.write(writing)
    run = _finish(plan, writing.source, saved, run)
    if spec.audit_run:
        events.append(_run_event(writing, run))
    audit_insert(events)
    return run


def _run_event(writing: Writing, run: ImportRun) -> EventRow:
    """The one audit event of an import whose records get none of their own: the run, with
    its file and counts."""
    changes: dict[str, list[object]] = {
        "kind": [None, run.kind],
        "file_name": [None, run.file_name],
        "created": [None, run.created],
        "rejected": [None, run.rejected],
    }
    return _event(writing, AuditAction.CREATE, ImportRun, run.pk, None, changes)


def _refused_run(
    kind: str,
    source: str,
    via: str,
    actor: User | None,
    file_name: str,
    started: dt.datetime,
    refusal: FileRefused,
) -> None:
    """A refused import's run: its reason, nothing else written."""
    ImportRun.objects.create(
        kind=kind,
        source=source,
        status=RunStatus.REFUSED,
        via=via,
        actor=actor,
        file_name=file_name[:255],
        started_at=started,
        finished_at=timezone.now(),
        error=str(refusal)[:500],
    )


def _finish(
    plan: Plan, source: str, saved: tuple[ImportMapping | None, dict[str, str]], run: ImportRun
) -> ImportRun:
    """The saved mapping (the columns found, the mapping given) and the run, in the import's
    transaction."""
    mapping, headers = saved
    defaults: dict[str, object] = {"columns": headers}
    if mapping is not None:
        defaults["mapping"] = mapping.to_json()
    SavedMapping.objects.update_or_create(kind=run.kind, source=source, defaults=defaults)
    run.created, run.updated = len(plan.created), len(plan.updated)
    run.unchanged, run.rejected = len(plan.unchanged), len(plan.rejected)
    run.missing = len(plan.missing)
    run.rejects = [_reject_json(r) for r in plan.rejected[:REJECTS_KEPT]]
    run.unmatched_owners = [[owner, count] for owner, count in plan.unmatched_owners]
    run.unknown_parents = [list(pair) for pair in plan.unknown_parents[:REJECTS_KEPT]]
    run.parent_loops = [list(pair) for pair in plan.parent_loops[:REJECTS_KEPT]]
    run.finished_at = timezone.now()
    run.save(force_insert=True)
    return run


def _reject_json(reject: Rejected) -> dict[str, object]:
    return {"line": reject.line, "code": reject.code, "value": reject.value}


def _owner_label(users: dict[int, User], owner: object) -> str | None:
    user = users.get(owner) if isinstance(owner, int) else None
    return f"{user} (#{user.pk})" if user is not None else None


def _json(value: object) -> object:
    """A value as an audit event stores it (a date as ``YYYY-MM-DD``)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _changes(change: Change) -> dict[str, list[object]]:
    """An updated record's field changes as its audit event records them."""
    return {
        ("crm_source" if name == "source" else name): [_json(old), _json(new)]
        for name, (old, new) in change.changes.items()
    }


def _event(
    writing: Writing,
    action: AuditAction,
    model: type[models.Model],
    record_id: int,
    account_id: int | None,
    changes: dict[str, list[object]],
) -> EventRow:
    return audit_event_row(
        actor=writing.actor,
        action=action,
        entity=model._meta.model_name or "",
        entity_id=record_id,
        account_id=account_id,
        changes=changes,
        via=writing.via,
    )


def _ids_by(model: type[models.Model], key: str, values: Sequence[str]) -> dict[str, int]:
    """The primary keys of the rows of ``model`` whose unique ``key`` is one of ``values``."""
    found: dict[str, int] = {}
    for start in range(0, len(values), _CHUNK):
        rows = model._default_manager.filter(**{f"{key}__in": values[start : start + _CHUNK]})
        found.update((str(value), pk) for value, pk in rows.values_list(key, "pk"))
    return found


def _insert(
    model: type[models.Model], key: str, records: Sequence[Mapping[str, object]]
) -> dict[str, int]:
    """Insert ``records`` (attribute name → value; a field a record lacks gets its default, as
    a new model instance would) with one prepared INSERT (``kizuna.db.bulk_insert``), then
    their primary keys by their unique ``key``: building a model instance and the SQL text of
    each row (``bulk_create``) costs more than the INSERT itself."""
    names = list(dict.fromkeys(name for record in records for name in record))
    fields = {field.attname: field for field in model._meta.concrete_fields}
    defaults = {name: fields[name].get_default() for name in names}
    bulk_insert(model, names, [tuple(r.get(n, defaults[n]) for n in names) for r in records])
    return _ids_by(model, key, [str(record[key]) for record in records])


def _update(model: type[models.Model], records: Sequence[tuple[int, Mapping[str, object]]]) -> None:
    """Set the fields each record names (primary key, attribute name → value), one prepared
    UPDATE for the records that set the same fields (``kizuna.db.bulk_update_rows``)."""
    groups: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
    for pk, values in records:
        groups.setdefault(tuple(values), []).append((*values.values(), pk))
    for names, rows in groups.items():
        bulk_update_rows(model, names, rows)


# Accounts: upsert by the CRM id; the owner (and the owner's team) on created accounts only.


def _plan_accounts(
    table: Table, columns: dict[str, int], account_format: AccountFormat, mapping: ImportMapping
) -> tuple[Plan, dict[int, User]]:
    rows, rejected = read_rows(table, columns, account_format, mapping)
    members, users = _members()
    plan = make_plan(
        rows,
        rejected,
        source=account_format.code,
        existing=_existing(row.external_id for row in rows),
        source_ids=_source_ids(account_format.code),
        file_ids=file_ids(table, columns),
        owners=OwnerDirectory(members, mapping.owners),
        stored_parents=_source_parents(account_format.code),
    )
    return plan, users


def _write_accounts(writing: Writing) -> list[EventRow]:
    plan, source, users = writing.plan, writing.source, writing.context
    total = len(plan.created) + len(plan.updated)
    events: list[EventRow] = []
    for start in range(0, len(plan.created), _CHUNK):
        chunk = plan.created[start : start + _CHUNK]
        ids = _insert(
            Account,
            "external_crm_id",
            [_new_account(change.values, change.external_id, source, users) for change in chunk],
        )
        for change in chunk:
            changes = {name: [None, value] for name, value in change.values.items()}
            changes["owner"] = [None, _owner_label(users, change.values.get("owner"))]
            changes["external_crm_id"] = [None, change.external_id]
            pk = ids[change.external_id]
            events.append(_event(writing, AuditAction.CREATE, Account, pk, pk, changes))
        writing.progress(start + len(chunk), total)
    done = len(plan.created)
    now = timezone.now()
    for start in range(0, len(plan.updated), _CHUNK):
        chunk = plan.updated[start : start + _CHUNK]
        records: list[tuple[int, Mapping[str, object]]] = []
        for change in chunk:
            pk = int(change.record_id or 0)
            # the file's columns: an import never clears a field the export does not have
            values = {name: change.values[name] for name in UPDATE_FIELDS if name in change.values}
            records.append((pk, {**values, "crm_source": source, "updated_at": now}))
            events.append(_event(writing, AuditAction.UPDATE, Account, pk, pk, _changes(change)))
        _update(Account, records)
        writing.progress(done + start + len(chunk), total)
    _set_parents(plan, source)
    return events


def _set_parents(plan: Plan, source: str) -> None:
    """Each created or updated account's parent as the plan says (a parent's CRM id → the
    account of ``source`` that carries it), after every account of the file is written: a
    row may name a parent on a later row."""
    wanted = {c.external_id: c.values["parent"] for c in plan.created if c.values.get("parent")}
    wanted |= {c.external_id: c.values["parent"] for c in plan.updated if "parent" in c.changes}
    if not wanted:
        return
    names = sorted({*wanted, *(str(p) for p in wanted.values() if p is not None)})
    ids: dict[str, int] = {}
    for start in range(0, len(names), _CHUNK):
        rows = Account.objects.filter(
            crm_source=source, external_crm_id__in=names[start : start + _CHUNK]
        )
        ids.update((str(crm_id), pk) for crm_id, pk in rows.values_list("external_crm_id", "id"))
    _update(
        Account,
        [
            (ids[child], {"parent_id": ids[str(parent)] if parent is not None else None})
            for child, parent in sorted(wanted.items())
        ],
    )


def _new_account(
    values: Mapping[str, object], external_id: str, source: str, users: dict[int, User]
) -> dict[str, object]:
    """A new account's fields: the row's given fields, its owner (and the owner's team)."""
    owner_id = values.get("owner")
    owner = users.get(owner_id) if isinstance(owner_id, int) else None
    fields: dict[str, object] = {
        "owner_id": owner.pk if owner is not None else None,
        "team_id": owner.team_id if owner is not None else None,
        "external_crm_id": external_id,
        "crm_source": source,
    }
    fields.update((name, values[name]) for name in UPDATE_FIELDS if name in values)
    return fields


# Contacts: the same shapes, with the contact's account found by its CRM id among the accounts
# of the same source.


def _contact_accounts(source: str, ids: Iterable[str]) -> dict[str, int]:
    """The accounts a contact export may name: CRM id → account id, among the accounts
    imported from ``source`` (and, for Kizuna's own CSV, accounts typed with a CRM ID)."""
    sources = [source, ""] if source == "kizuna" else [source]
    found: dict[str, int] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        rows = Account.objects.filter(external_crm_id__in=chunk, crm_source__in=sources)
        for external_id, pk in rows.values_list("external_crm_id", "id"):
            if external_id:
                found[external_id] = pk
    return found


def _existing_contacts(ids: Iterable[str]) -> dict[str, Existing]:
    found: dict[str, Existing] = {}
    ordered = sorted(ids)
    names = [name for name in CONTACT_UPDATE_FIELDS if name != "account"]
    fields = ["id", "external_crm_id", "crm_source", "account__external_crm_id", *names]
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for row in Contact.objects.filter(external_crm_id__in=chunk).values(*fields):
            values = {name: row[name] for name in names}
            values["account"] = row["account__external_crm_id"]
            found[row["external_crm_id"]] = Existing(
                id=row["id"], source=row["crm_source"], values=values
            )
    return found


def _plan_contacts(
    table: Table, columns: dict[str, int], contact_format: AccountFormat, mapping: ImportMapping
) -> tuple[Plan, dict[str, int]]:
    rows, rejected = read_contact_rows(table, columns, contact_format)
    accounts = _contact_accounts(contact_format.code, {row.account_id for row in rows})
    source_ids = Contact.objects.filter(crm_source=contact_format.code).values_list(
        "external_crm_id", flat=True
    )
    plan = make_contact_plan(
        rows,
        rejected,
        source=contact_format.code,
        existing=_existing_contacts(row.external_id for row in rows),
        accounts=accounts,
        source_ids={external_id for external_id in source_ids if external_id},
        file_ids=file_ids(table, columns),
    )
    return plan, accounts


def _contact_fields(values: Mapping[str, object], accounts: Mapping[str, int]) -> dict[str, object]:
    """A plan's values as the contact's model fields (the account's CRM id → its id)."""
    fields = {name: value for name, value in values.items() if name != "account"}
    if "account" in values:
        fields["account_id"] = accounts[str(values["account"])]
    return fields


def _write_contacts(writing: Writing) -> list[EventRow]:
    plan, source, accounts = writing.plan, writing.source, writing.context
    total = len(plan.created) + len(plan.updated)
    events: list[EventRow] = []
    for start in range(0, len(plan.created), _CHUNK):
        chunk = plan.created[start : start + _CHUNK]
        records = [
            {
                "external_crm_id": change.external_id,
                "crm_source": source,
                **_contact_fields(change.values, accounts),
            }
            for change in chunk
        ]
        ids = _insert(Contact, "external_crm_id", records)
        for record, change in zip(records, chunk, strict=True):
            changes: dict[str, list[object]] = {
                name: [None, value] for name, value in change.values.items()
            }
            changes["external_crm_id"] = [None, change.external_id]
            pk, account_id = ids[change.external_id], int(str(record["account_id"]))
            events.append(_event(writing, AuditAction.CREATE, Contact, pk, account_id, changes))
        writing.progress(start + len(chunk), total)
    done = len(plan.created)
    for start in range(0, len(plan.updated), _CHUNK):
        chunk = plan.updated[start : start + _CHUNK]
        updates: list[tuple[int, Mapping[str, object]]] = []
        for change in chunk:
            pk = int(change.record_id or 0)
            # the file's columns: an import never clears a field the export does not have
            fields = {**_contact_fields(change.values, accounts), "crm_source": source}
            updates.append((pk, fields))
            moved_to = fields.get("account_id")
            events.append(
                _event(
                    writing,
                    AuditAction.UPDATE,
                    Contact,
                    pk,
                    int(str(moved_to)) if moved_to is not None else None,
                    _changes(change),
                )
            )
        _update(Contact, updates)
        writing.progress(done + start + len(chunk), total)
    return events


# Subscription lines: upsert by the line's id, the account by its CRM id, the product by its
# code; the accounts' cached MRR is refreshed and their health marked for rescoring.


def _line_accounts(ids: Iterable[str]) -> dict[str, list[int]]:
    """CRM id → the accounts that carry it (two CRMs may, rarely, both use one id)."""
    found: dict[str, list[int]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        rows = Account.objects.filter(external_crm_id__in=chunk)
        for external_id, pk in rows.values_list("external_crm_id", "id"):
            if external_id:
                found.setdefault(external_id, []).append(pk)
    return found


def _existing_lines(ids: Iterable[str]) -> dict[str, Existing]:
    found: dict[str, Existing] = {}
    ordered = sorted(ids)
    fields = ["id", "external_id", "account__external_crm_id", "product__code"]
    fields += ["start_date", "end_date", "mrr", "seats", "renewal_date", "term_months"]
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for row in SubscriptionLine.objects.filter(external_id__in=chunk).values(*fields):
            values = {name: row[name] for name in LINE_UPDATE_FIELDS if name in row}
            values["account"] = row["account__external_crm_id"]
            values["product"] = row["product__code"]
            found[row["external_id"]] = Existing(id=row["id"], source="", values=values)
    return found


@dataclass(frozen=True)
class _LineContext:
    accounts: dict[str, int]  # CRM id → account id (ids one account carries)
    products: dict[str, int]  # code → product id
    currency: str


def _plan_lines(
    table: Table, columns: dict[str, int], line_format: AccountFormat, mapping: ImportMapping
) -> tuple[Plan, _LineContext]:
    currency = tenant_settings_get().currency
    rows, rejected = read_line_rows(table, columns, line_format, currency=currency)
    accounts = _line_accounts({row.account_id for row in rows})
    known = list(Product.objects.values_list("code", "id", "is_active"))
    products = {code: pk for code, pk, _sold in known}
    sold = [code for code, _pk, is_sold in known if is_sold]
    stored = {
        external_id
        for external_id in SubscriptionLine.objects.values_list("external_id", flat=True)
        if external_id
    }
    plan = make_line_plan(
        rows,
        rejected,
        existing=_existing_lines(row.external_id for row in rows),
        targets=LineTargets(
            accounts={crm_id: len(ids) for crm_id, ids in accounts.items()},
            products=set(products),
            default_product=sold[0] if len(sold) == 1 else "",
        ),
        source_ids=stored,
        file_ids=file_ids(table, columns),
    )
    single = {crm_id: ids[0] for crm_id, ids in accounts.items() if len(ids) == 1}
    return plan, _LineContext(single, products, currency)


def _line_fields(values: Mapping[str, object], context: _LineContext) -> dict[str, object]:
    """A plan's values as the line's model fields: the account and product ids, a monthly
    billing of the MRR given."""
    fields: dict[str, object] = {}
    for name, value in values.items():
        if name == "account":
            fields["account_id"] = context.accounts[str(value)]
        elif name == "product":
            fields["product_id"] = context.products[str(value)]
        elif name == "mrr":
            amount = int(str(value))
            fields["billing_period"] = "monthly"
            fields["billing_amount"] = amount
            fields["mrr"] = mrr_from_billing(amount, "monthly")
        else:
            fields[name] = value
    return fields


def _write_lines(writing: Writing) -> list[EventRow]:
    plan, context = writing.plan, writing.context
    total = len(plan.created) + len(plan.updated)
    events: list[EventRow] = []
    touched: set[int] = set()
    for start in range(0, len(plan.created), _CHUNK):
        chunk = plan.created[start : start + _CHUNK]
        records = [
            {
                "external_id": change.external_id,
                "currency": context.currency,
                **_line_fields(change.values, context),
            }
            for change in chunk
        ]
        ids = _insert(SubscriptionLine, "external_id", records)
        for record, change in zip(records, chunk, strict=True):
            changes: dict[str, list[object]] = {
                name: [None, _json(value)] for name, value in change.values.items()
            }
            changes["external_id"] = [None, change.external_id]
            account_id = int(str(record["account_id"]))
            pk = ids[change.external_id]
            events.append(
                _event(writing, AuditAction.CREATE, SubscriptionLine, pk, account_id, changes)
            )
            touched.add(account_id)
        writing.progress(start + len(chunk), total)
    done = len(plan.created)
    now = timezone.now()
    old_accounts = _line_accounts_of([int(c.record_id or 0) for c in plan.updated])
    for start in range(0, len(plan.updated), _CHUNK):
        chunk = plan.updated[start : start + _CHUNK]
        updates: list[tuple[int, Mapping[str, object]]] = []
        for change in chunk:
            pk = int(change.record_id or 0)
            fields = {**_line_fields(change.values, context), "updated_at": now}
            updates.append((pk, fields))
            account_id = int(str(fields["account_id"]))
            touched.update({account_id, old_accounts.get(pk, account_id)})
            events.append(
                _event(
                    writing, AuditAction.UPDATE, SubscriptionLine, pk, account_id, _changes(change)
                )
            )
        _update(SubscriptionLine, updates)
        writing.progress(done + start + len(chunk), total)
    if touched:
        account_refresh_mrr(account_ids=sorted(touched), on=tenant_today())
        accounts_mark_health_stale(account_ids=touched)
        subscription_lines_changed.send(sender=SubscriptionLine, account_ids=sorted(touched))
    return events


def _line_accounts_of(line_ids: Sequence[int]) -> dict[int, int]:
    """Each line's account before the import changes it."""
    found: dict[int, int] = {}
    for start in range(0, len(line_ids), _CHUNK):
        rows = SubscriptionLine.objects.filter(pk__in=line_ids[start : start + _CHUNK])
        found.update(rows.values_list("pk", "account_id"))
    return found


# Members: matched by e-mail; a new member gets the file's role (viewer without one), no
# password (the set-password link of an invitation gives them one), and the team named.


def _role_words() -> dict[str, str]:
    """Each way a role may be written (code, Japanese and English label) → its code."""
    words: dict[str, str] = {}
    for code, label in Role.choices:
        words[code] = code
        for language in ("ja", "en"):
            with translation.override(language):
                words[normalise(str(label)).casefold()] = code
    return words


def _team_words() -> dict[str, str]:
    """Each way a team may be written (code, Japanese or English name) → its code."""
    words: dict[str, str] = {}
    for code, name_ja, name_en in Team.objects.values_list("code", "name_ja", "name_en"):
        for word in (name_ja, name_en):
            words.setdefault(normalise(word).casefold(), code)
    words.update(
        {normalise(code).casefold(): code for code in Team.objects.values_list("code", flat=True)}
    )
    return words


def _existing_members() -> dict[str, Existing]:
    """Every member with an e-mail, by lower-case e-mail (the first, by id, when two share
    one)."""
    found: dict[str, Existing] = {}
    fields = ["id", "email", "display_name", "crm_user_id", "team__code", "role"]
    for row in User.objects.exclude(email="").order_by("id").values(*fields):
        values = {name: row[name] for name in ("display_name", "crm_user_id", "role")}
        values["team"] = row["team__code"]
        found.setdefault(row["email"].casefold(), Existing(id=row["id"], source="", values=values))
    return found


def _plan_members(
    table: Table, columns: dict[str, int], member_format: AccountFormat, mapping: ImportMapping
) -> tuple[Plan, dict[str, int]]:
    rows, rejected = read_member_rows(table, columns, member_format, roles=_role_words())
    existing = _existing_members()
    plan = make_member_plan(
        rows,
        rejected,
        existing=existing,
        teams=_team_words(),
        known=set(existing),
        file_ids=file_ids(table, columns),
    )
    return plan, dict(Team.objects.values_list("code", "id"))


def _member_fields(values: Mapping[str, object], teams: Mapping[str, int]) -> dict[str, object]:
    fields = {
        name: value for name, value in values.items() if name not in ("team", "email", "role")
    }
    if "team" in values:
        fields["team_id"] = teams[str(values["team"])] if values["team"] else None
    return fields


def _write_members(writing: Writing) -> list[EventRow]:
    plan, teams = writing.plan, writing.context
    total = len(plan.created) + len(plan.updated)
    events: list[EventRow] = []
    taken = {name.casefold() for name in User.objects.values_list("username", flat=True)}
    for done, change in enumerate(plan.created, start=1):
        email = str(change.values["email"])
        user = User(
            username=_free_username(email, taken),
            email=email,
            role=str(change.values["role"]),
            **_member_fields(change.values, teams),
        )
        user.set_unusable_password()
        user.save(force_insert=True)
        changes = {name: [None, value] for name, value in change.values.items()}
        events.append(_event(writing, AuditAction.CREATE, User, user.pk, None, changes))
        writing.progress(done, total)
    for done, change in enumerate(plan.updated, start=len(plan.created) + 1):
        user = User.objects.get(pk=int(change.record_id or 0))
        for name, value in _member_fields(change.values, teams).items():
            setattr(user, name, value)
        user.save(update_fields=list(_member_fields(change.values, teams)))
        events.append(_event(writing, AuditAction.UPDATE, User, user.pk, None, _changes(change)))
        writing.progress(done, total)
    return events


def _free_username(email: str, taken: set[str]) -> str:
    """A login name for a new member: the e-mail itself (unique, what they type), with a
    number when a member already logs in with it."""
    base = email[:140]
    name, number = base, 1
    while name.casefold() in taken:
        number += 1
        name = f"{base}-{number}"
    taken.add(name.casefold())
    return name


# Headers that say which kind of record a file holds (folded: NFKC, case-folded). HubSpot's
# deals name their companies as its contacts do (``Associated Company IDs``): a line file is
# told from a contact file by the person's name, and from a company file by the company's
# name and owner (a deal has ``Deal Name`` and ``Deal owner``).
_PERSON_HEADERS = {"accountid", "取引先責任者 id", "lastname", "last name", "first name", "姓"}
_CONTACT_HEADERS = {"accountid", "取引先責任者 id", "associated company ids"}
_COMPANY_HEADERS = {"company name", "company owner", "会社の所有者", "会社所有者"}
_MEMBER_HEADERS = {"username", "userroleid", "ユーザー id"}
_LINE_HEADERS = {"subscription_id", "monthly_amount"}
_DEAL_HEADERS = {"deal stage", "dealstage", "取引ステージ", "deal name", "dealname", "取引名"}
ACCOUNTS = KindSpec(
    ImportKind.ACCOUNTS,
    ACCOUNT_FORMATS,
    _plan_accounts,
    _write_accounts,
    # an account has no last name: a person's file
    frozenset(
        _CONTACT_HEADERS | _MEMBER_HEADERS | _LINE_HEADERS | _DEAL_HEADERS | {"lastname", "姓"}
    ),
)
CONTACTS = KindSpec(
    ImportKind.CONTACTS,
    CONTACT_FORMATS,
    _plan_contacts,
    _write_contacts,
    frozenset(_MEMBER_HEADERS | _LINE_HEADERS | _DEAL_HEADERS),
)
LINES = KindSpec(
    ImportKind.LINES,
    LINE_FORMATS,
    _plan_lines,
    _write_lines,
    frozenset(_PERSON_HEADERS | _COMPANY_HEADERS | _MEMBER_HEADERS),
)
MEMBERS = KindSpec(
    ImportKind.MEMBERS,
    MEMBER_FORMATS,
    _plan_members,
    _write_members,
    frozenset(_CONTACT_HEADERS | _LINE_HEADERS | _DEAL_HEADERS | {"parentid", "取引先 id"}),
)
KINDS: dict[str, KindSpec] = {
    spec.kind.value: spec for spec in (ACCOUNTS, CONTACTS, LINES, MEMBERS)
}


def register_kind(spec: KindSpec) -> None:
    """Add a kind that an app above this one imports (survey answers: ``apps.surveys``,
    from its ``AppConfig.ready``): the page, the command line, the drop folder and the runs
    then treat it as they treat the kinds above."""
    KINDS[spec.kind.value] = spec


#: ``run_import`` of accounts: upsert by the CRM id, the owner on created accounts
accounts_import = partial(run_import, ACCOUNTS)
#: ``run_import`` of contacts: upsert by the contact's CRM id, its account by the account's
#: (accounts are imported first)
contacts_import = partial(run_import, CONTACTS)
#: ``run_import`` of subscription lines (Kizuna's line format, the one ``kizuna revenue``
#: reads, or HubSpot's closed-won deals): upsert by the line's id, its account by the
#: account's CRM id
lines_import = partial(run_import, LINES)
#: ``run_import`` of members: matched by e-mail, the CRM user id stored for owner matching
members_import = partial(run_import, MEMBERS)
