"""A user export's rows → validated ``MemberRow``s, and the plan of a member import.

The member kind of the account import (``core.imports.accounts`` and ``plan``): the same file
reading (``data_rows``), the same duplicate rule, the same ``Plan``. What differs:

- members are matched by **e-mail** (case-insensitive): the key a person keeps across the CRM,
  the mail server and Kizuna; the CRM's user id is stored on the member (``crm_user_id``), so
  the account import matches a Salesforce ``OwnerId`` or a HubSpot owner id to the member;
- the fields: e-mail (required), a name (one ``name`` column, or last and first names), the
  CRM user id, the role (Kizuna's code or its Japanese or English label), the team (its code
  or its name in either language), and whether the CRM user is active;
- a user the CRM marks inactive (``IsActive`` false) is not imported (``inactive_user``): a
  member is deactivated in Kizuna, with the accounts handed off, never by an import;
- a row whose team no team has is rejected (``unknown_team``): teams are made in Kizuna
  (``kizuna init``, the admin), where their kind (strategic, 1:N, …) is chosen.

A role is given to members an import **creates** (``viewer`` when the file has none); the role
of a member that exists is Kizuna's permission, changed by an admin, so a different role in
the file is listed (``role_differs``), not applied, as a different account owner is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from kizuna.core.imports.accounts import Rejected, read_valid_rows
from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.contacts import is_email, person_name
from kizuna.core.imports.files import Table, normalise, squash
from kizuna.core.imports.plan import Change, Existing, Plan, PlanBuilder

#: the member fields an import reads; ``external_id`` is the e-mail
MEMBER_FIELDS = (
    "external_id",
    "name",
    "last_name",
    "first_name",
    "crm_user_id",
    "role",
    "team",
    "active",
)
MEMBER_REQUIRED = ("external_id",)
#: the member's values an import compares and writes (``role`` on created members only)
MEMBER_UPDATE_FIELDS = ("display_name", "crm_user_id", "team")

#: why a member row is rejected (docs/imports.md lists each)
MEMBER_REJECT_CODES = (
    "no_email",
    "bad_email",
    "name_too_long",
    "id_too_long",
    "unknown_role",
    "unknown_team",
    "inactive_user",
    "duplicate_id",
    "extra_cells",
)

_FALSE = {"false", "0", "no", "いいえ", "無効", "n", "f"}


@dataclass(frozen=True)
class MemberRow:
    line: int
    external_id: str  # the e-mail, lower case
    given: frozenset[str]  # of MEMBER_UPDATE_FIELDS and "role"
    email: str = ""  # as written
    display_name: str = ""
    crm_user_id: str = ""
    file_role: str = ""  # the role the file gives, as a code
    team: str = ""  # as written; matched to a team code by the plan


def _given(values: Mapping[str, str]) -> frozenset[str]:
    given = set()
    if {"name", "last_name", "first_name"} & set(values):
        given.add("display_name")
    given.update(name for name in ("crm_user_id", "team", "role") if name in values)
    return frozenset(given)


def _member_row(
    line: int, values: Mapping[str, str], roles: Mapping[str, str]
) -> MemberRow | Rejected:
    email = normalise(values["external_id"])
    if not email:
        return Rejected(line, "no_email")
    if not is_email(email):
        return Rejected(line, "bad_email", email[:80])
    if normalise(values.get("active", "")).casefold() in _FALSE:
        return Rejected(line, "inactive_user", email)
    name = person_name(values)
    if len(name) > 100:
        return Rejected(line, "name_too_long", name[:80])
    crm_user_id = normalise(values.get("crm_user_id", ""))
    if len(crm_user_id) > 64:
        return Rejected(line, "id_too_long", crm_user_id[:80])
    role_text = normalise(values.get("role", "")).casefold()
    role = roles.get(role_text, "") if role_text else ""
    if role_text and not role:
        return Rejected(line, "unknown_role", normalise(values["role"])[:80])
    return MemberRow(
        line=line,
        external_id=email.casefold(),
        given=_given(values) - ({"display_name"} if not name else set()),
        email=email,
        display_name=name,
        crm_user_id=crm_user_id,
        file_role=role,
        team=squash(values.get("team", "")),
    )


def read_member_rows(
    table: Table,
    columns: Mapping[str, int],
    member_format: AccountFormat,
    *,
    roles: Mapping[str, str],
) -> tuple[list[MemberRow], list[Rejected]]:
    """Every data row of ``table`` as a ``MemberRow`` or a ``Rejected`` (ordered by line);
    every row of an e-mail that appears more than once is ``duplicate_id``. ``roles``: each
    word a role may be written as (code, Japanese and English labels, case-folded) → code."""
    return read_valid_rows(
        table, columns, member_format, lambda line, values: _member_row(line, values, roles)
    )


def _row_values(row: MemberRow, team: str | None) -> dict[str, object]:
    values: dict[str, object] = {
        "display_name": row.display_name,
        "crm_user_id": row.crm_user_id,
        "team": team,
    }
    return {name: value for name, value in values.items() if name in row.given}


def make_member_plan(
    rows: Sequence[MemberRow],
    rejected: Sequence[Rejected],
    *,
    existing: Mapping[str, Existing],
    teams: Mapping[str, str],
    known: Collection[str],
    file_ids: Collection[str],
) -> Plan:
    """The plan for ``rows`` against ``existing`` (members by lower-case e-mail, with the
    values of ``MEMBER_UPDATE_FIELDS``, ``team`` as its code, and ``role``), ``teams`` (each
    word a team may be written as, case-folded → its code) and ``known`` (every member's
    e-mail: those the file does not name are missing). A new member's values carry
    ``email`` and ``role``; an existing member whose file role differs is listed in
    ``owner_differs`` (e-mail, the file's role), not changed."""
    plan = PlanBuilder(refused=list(rejected))
    differs: list[tuple[str, str]] = []
    for row in rows:
        team = teams.get(normalise(row.team).casefold()) if row.team else None
        if row.team and team is None:
            plan.refused.append(Rejected(row.line, "unknown_team", row.team[:80]))
            continue
        values = _row_values(row, team)
        stored = existing.get(row.external_id)
        if stored is None:
            new = {**values, "email": row.email, "role": row.file_role or "viewer"}
            plan.created.append(Change(row.line, row.external_id, new))
            continue
        if "role" in row.given and row.file_role and row.file_role != stored.values.get("role"):
            differs.append((row.external_id, row.file_role))
        plan.compare(row.line, row.external_id, values, stored, stored.source)
    missing = set(known) - {i.casefold() for i in file_ids}
    return plan.plan(missing=missing, owner_differs=differs)


KIZUNA_MEMBERS = AccountFormat(
    code="kizuna",
    columns={
        "external_id": ("email", "e-mail", "メールアドレス"),
        "name": ("name", "display_name", "表示名"),
        "last_name": ("last_name", "姓"),
        "first_name": ("first_name", "名"),
        "crm_user_id": ("crm_user_id",),
        "role": ("role", "ロール"),
        "team": ("team", "チーム"),
        "active": ("active", "is_active"),
    },
    fields=MEMBER_FIELDS,
    required=MEMBER_REQUIRED,
)
