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
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

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

    @property
    def summary(self) -> str:
        return (
            f"created {len(self.created):,}, updated {len(self.updated):,}, "
            f"unchanged {len(self.unchanged):,}, rejected {len(self.rejected):,}"
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
) -> Plan:
    """The plan for ``rows`` (valid, ids unique) against ``existing`` (the accounts their ids
    name) and ``source_ids`` (every external id of an account imported from ``source``);
    ``file_ids`` are all the ids the file names, rejected rows' too: those are not missing."""
    created: list[Change] = []
    updated: list[Change] = []
    unchanged: list[str] = []
    refused = list(rejected)
    unmatched: Counter[str] = Counter()
    differs: list[tuple[str, str]] = []
    for row in rows:
        owner = owners.match(row.owner)
        if row.owner and owner is None:
            unmatched[row.owner] += 1
        account = existing.get(row.external_id)
        values = _row_values(row)
        if account is None:
            created.append(Change(row.line, row.external_id, {**values, "owner": owner}))
            continue
        if account.source not in ("", source):
            refused.append(Rejected(row.line, "other_source", account.source))
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
    )
