"""What an account import does, decided before anything is written (the dry run shows it).

Accounts are matched by external id (the CRM's record id). For each valid row:

- no account has its id → **created** (owner: the matched member, or none);
- an account has it, imported from another source (``salesforce`` vs ``hubspot``) →
  **rejected** ``other_source`` (two systems' ids are never mixed);
- the row's given fields differ from the account's → **updated**, with each changed field's
  old and new value; the fields equal → **unchanged**.

The owner is placement (set by reassignment in Kizuna, with a reason and its history), so an
import sets it on created accounts only; an existing account whose CRM owner is another
member is listed in ``owner_differs``, not changed. Accounts of the same source that the file
does not name are **missing**: listed, never deleted.

Owners are matched to members by ``match_owner``; an owner no member matches is listed in
``unmatched_owners`` with how many rows name it.

A row's **parent** (group companies; when the file has the column) is the CRM id of another
account of the same source: one of the file's rows or an account already imported from it. It
is compared as a field (``parent``, the parent's CRM id, None for none). A parent that is
neither is listed in ``unknown_parents`` and not set (a new account gets none, an existing one
keeps its own); a parent that would close a loop with the links already stored or set by an
earlier row (A under B, B under A) is listed in ``parent_loops`` and not set either. A row
naming itself is rejected (``self_parent``, ``core.imports.accounts``).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from kizuna.core.groups import would_cycle
from kizuna.core.imports.accounts import AccountRow, Rejected

#: the fields an import writes on an account that exists (the owner only on a new one)
UPDATE_FIELDS = ("name", "kana", "industry", "employee_count")


@dataclass(frozen=True)
class Member:
    """A member as owners are matched: login name, e-mail, display name and full name."""

    id: int
    username: str
    email: str = ""
    display_name: str = ""
    full_name: str = ""
    crm_user_id: str = ""


@dataclass(frozen=True)
class Existing:
    """An account the file's ids name: its id, its source ("" when not imported) and the
    values of ``UPDATE_FIELDS`` and ``owner`` (member id or None)."""

    id: int
    source: str
    values: Mapping[str, object]
    owner: int | None = None


@dataclass(frozen=True)
class Change:
    line: int
    external_id: str
    values: Mapping[str, object]  # every given field's new value (and ``owner`` when created)
    changes: Mapping[str, tuple[object, object]] = field(default_factory=dict)
    record_id: int | None = None  # the account (contact) the change is to


@dataclass(frozen=True)
class Plan:
    created: tuple[Change, ...]
    updated: tuple[Change, ...]
    unchanged: tuple[str, ...]
    rejected: tuple[Rejected, ...]
    missing: tuple[str, ...]
    unmatched_owners: tuple[tuple[str, int], ...]
    owner_differs: tuple[tuple[str, str], ...]  # (external id, the CRM's owner)
    #: (external id, the parent's CRM id) of rows whose parent is in neither the file nor the
    #: accounts of the source; imported without that parent
    unknown_parents: tuple[tuple[str, str], ...] = ()
    #: (external id, the parent's CRM id) of rows whose parent would close a loop; not set
    parent_loops: tuple[tuple[str, str], ...] = ()

    @property
    def summary(self) -> str:
        return (
            f"created {len(self.created):,}, updated {len(self.updated):,}, "
            f"unchanged {len(self.unchanged):,}, rejected {len(self.rejected):,}"
        )


@dataclass
class PlanBuilder:
    """A plan being made row by row: each kind's ``make_*_plan`` sorts its rows into it."""

    created: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[Rejected] = field(default_factory=list)

    def compare(
        self,
        line: int,
        external_id: str,
        values: Mapping[str, object],
        stored: Existing,
        source: str,
    ) -> None:
        """A row of a stored record: updated (field by field) when a value differs, else
        unchanged."""
        changes = field_changes(stored, values, source)
        if changes:
            self.updated.append(Change(line, external_id, values, changes, stored.id))
        else:
            self.unchanged.append(external_id)

    def plan(
        self, *, missing: Collection[str], owner_differs: Sequence[tuple[str, str]] = ()
    ) -> Plan:
        return Plan(
            created=tuple(self.created),
            updated=tuple(self.updated),
            unchanged=tuple(self.unchanged),
            rejected=tuple(sorted(self.refused, key=lambda r: r.line)),
            missing=tuple(sorted(missing)),
            unmatched_owners=(),
            owner_differs=tuple(owner_differs),
        )


def _name_key(text: str) -> str:
    """Names compared without spaces or case: ``田中 太郎``, ``田中　太郎`` and ``田中太郎``."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


class OwnerDirectory:
    """Finds the member a CRM owner is: the mapping's ``owners`` entry (a CRM user id or any
    text, → login name or e-mail), else a login name, an e-mail, the member's CRM user id
    (stored by the member import), a display name or a full name
    (``last first`` or ``first last``). A name two members share matches no one."""

    def __init__(self, members: Sequence[Member], owners: Mapping[str, str]) -> None:
        self._owners = {key.casefold(): value for key, value in owners.items()}
        self._exact: dict[str, int] = {}
        names: Counter[str] = Counter()
        by_name: dict[str, int] = {}
        for member in members:
            self._exact[member.username.casefold()] = member.id
            if member.crm_user_id:
                self._exact.setdefault(member.crm_user_id.casefold(), member.id)
            if member.email:
                self._exact.setdefault(member.email.casefold(), member.id)
            for name in {_name_key(member.display_name), _name_key(member.full_name)} - {""}:
                names[name] += 1
                by_name[name] = member.id
        self._names = {name: pk for name, pk in by_name.items() if names[name] == 1}

    def match(self, owner: str) -> int | None:
        if not owner:
            return None
        target = self._owners.get(owner.casefold(), owner)
        found = self._exact.get(target.casefold())
        return found if found is not None else self._names.get(_name_key(target))


def _row_values(row: AccountRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in UPDATE_FIELDS if name in row.given}


class _Parents:
    """The parent links of the source's accounts by CRM id, as the rows change them in file
    order: a row's parent is set only when known and when it closes no loop."""

    def __init__(
        self, rows: Sequence[AccountRow], known: Collection[str], stored: Mapping[str, str | None]
    ) -> None:
        self.known = set(known)
        self.links: dict[str, str | None] = dict.fromkeys(self.known)
        for child, parent in stored.items():
            if child in self.known:
                self.links[child] = parent
        # a row with the column decides its own link: the stored one does not hold it back
        for row in rows:
            if "parent_id" in row.given:
                self.links[row.external_id] = None
        self.unknown: list[tuple[str, str]] = []
        self.loops: list[tuple[str, str]] = []

    def value(self, row: AccountRow) -> tuple[bool, str | None]:
        """(whether the row sets a parent, the parent's CRM id or None)."""
        if "parent_id" not in row.given:
            return False, None
        parent = row.parent_id or None
        if parent is None:
            self.links[row.external_id] = None
            return True, None
        if parent not in self.known:
            self.unknown.append((row.external_id, parent))
            return False, None
        if would_cycle(row.external_id, parent, self.links):
            self.loops.append((row.external_id, parent))
            return False, None
        self.links[row.external_id] = parent
        return True, parent


def field_changes(
    stored: Existing, values: Mapping[str, object], source: str
) -> dict[str, tuple[object, object]]:
    """Each value of a row that differs from the stored record, as (before, after); a record
    typed in Kizuna that the CRM now keeps changes its ``source`` too."""
    changes = {
        name: (stored.values.get(name), value)
        for name, value in values.items()
        if stored.values.get(name) != value
    }
    if stored.source != source:
        changes["source"] = (stored.source, source)
    return changes


def make_plan(
    rows: Sequence[AccountRow],
    rejected: Sequence[Rejected],
    *,
    source: str,
    existing: Mapping[str, Existing],
    source_ids: Collection[str],
    file_ids: Collection[str],
    owners: OwnerDirectory,
    stored_parents: Mapping[str, str | None] | None = None,
) -> Plan:
    """The plan for ``rows`` (valid, ids unique) against ``existing`` (the accounts their ids
    name, their ``values`` holding ``parent``: the stored parent's CRM id) and ``source_ids``
    (every external id of an account imported from ``source``); ``file_ids`` are all the ids
    the file names, rejected rows' too: those are not missing. ``stored_parents``: the stored
    parent links of the source's accounts, CRM id → the parent's CRM id."""
    created: list[Change] = []
    updated: list[Change] = []
    unchanged: list[str] = []
    refused = list(rejected)
    unmatched: Counter[str] = Counter()
    differs: list[tuple[str, str]] = []
    importable = {
        row.external_id
        for row in rows
        if row.external_id not in existing or existing[row.external_id].source in ("", source)
    }
    parents = _Parents(rows, set(source_ids) | importable, stored_parents or {})
    for row in rows:
        owner = owners.match(row.owner)
        if row.owner and owner is None:
            unmatched[row.owner] += 1
        account = existing.get(row.external_id)
        values = _row_values(row)
        if account is not None and account.source not in ("", source):
            refused.append(Rejected(row.line, "other_source", account.source))
            continue
        sets_parent, parent = parents.value(row)
        if sets_parent:
            values["parent"] = parent
        if account is None:
            created.append(Change(row.line, row.external_id, {**values, "owner": owner}))
            continue
        if "owner" in row.given and owner is not None and owner != account.owner:
            differs.append((row.external_id, row.owner))
        changes = field_changes(account, values, source)
        if changes:
            updated.append(Change(row.line, row.external_id, values, changes, account.id))
        else:
            unchanged.append(row.external_id)
    return Plan(
        created=tuple(created),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        rejected=tuple(sorted(refused, key=lambda r: r.line)),
        missing=tuple(sorted(set(source_ids) - set(file_ids))),
        unmatched_owners=tuple(sorted(unmatched.items(), key=lambda item: (-item[1], item[0]))),
        owner_differs=tuple(differs),
        unknown_parents=tuple(parents.unknown),
        parent_loops=tuple(parents.loops),
    )
