"""A contact export's rows → validated ``ContactRow``s, and the plan of a contact import.

The contact kind of the account import (``core.imports.accounts`` and ``plan``): the same
file reading (``data_rows``), the same duplicate rule, the same ``Plan``. What differs:

- the fields (``CONTACT_FIELDS``): the contact's CRM id and **its account's CRM id**
  (required), a name (one ``name`` column, or last and first names), job title, e-mail, phone;
- the contact's account is the account **of the same source** with that CRM id: a row whose
  account is not there is rejected (``unknown_account``), so a contact export is imported
  after the accounts' one;
- HubSpot's ``Associated Company IDs`` may name several companies (``101;102``): the first,
  the primary one, is the contact's account;
- an e-mail must look like one (``is_email``: the HTML form rule browsers apply, at most 254
  characters, what the contact form accepts).

A name from two columns is ``姓 名`` (last name first) when either part is Japanese (not
ASCII), ``First Last`` otherwise, as each locale writes a person's name.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from kizuna.core.imports.accounts import Rejected, read_valid_rows
from kizuna.core.imports.columns import AccountFormat
from kizuna.core.imports.files import Table, normalise, squash
from kizuna.core.imports.plan import Change, Existing, Plan, PlanBuilder

#: the contact fields an import reads; ``account_id`` is the account's CRM id
CONTACT_FIELDS = (
    "external_id",
    "account_id",
    "name",
    "last_name",
    "first_name",
    "title",
    "email",
    "phone",
)
CONTACT_REQUIRED = ("external_id", "account_id")
#: the contact's fields an import writes (``account``: the account's CRM id in the plan)
CONTACT_UPDATE_FIELDS = ("account", "name", "title", "email", "phone")

#: why a contact row is rejected (docs/imports.md lists each)
CONTACT_REJECT_CODES = (
    "no_id",
    "id_too_long",
    "no_account",
    "no_name",
    "name_too_long",
    "title_too_long",
    "phone_too_long",
    "bad_email",
    "duplicate_id",
    "extra_cells",
    "unknown_account",
    "other_source",
)


@dataclass(frozen=True)
class ContactLimits:
    """The sizes the contact table takes (``customers.models.Contact``)."""

    id_length: int = 64
    name_length: int = 100
    title_length: int = 100
    phone_length: int = 32
    email_length: int = 254


@dataclass(frozen=True)
class ContactRow:
    line: int
    external_id: str
    account_id: str
    given: frozenset[str]  # of CONTACT_UPDATE_FIELDS
    name: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""


# The WHATWG rule for <input type=email>: one @, a local part of the permitted characters,
# a domain of dot-separated labels (letters, digits, inner hyphens) with at least one dot.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)


def is_email(text: str, *, max_length: int = 254) -> bool:
    """Whether ``text`` is an e-mail address (ASCII, one @, a dotted domain, no dot at the
    local part's ends or twice in a row) of at most ``max_length`` characters."""
    if len(text) > max_length or not _EMAIL.fullmatch(text):
        return False
    local = text.split("@", 1)[0]
    return not (local.startswith(".") or local.endswith(".") or ".." in local)


def _is_japanese(text: str) -> bool:
    return not text.isascii()


def person_name(values: Mapping[str, str]) -> str:
    """A person's name from a row: its ``name`` cell, else ``姓 名`` or ``First Last``."""
    if "name" in values and squash(values["name"]):
        return squash(values["name"])
    last, first = squash(values.get("last_name", "")), squash(values.get("first_name", ""))
    if _is_japanese(last + first):
        return " ".join(part for part in (last, first) if part)
    return " ".join(part for part in (first, last) if part)


def _given(values: Mapping[str, str]) -> frozenset[str]:
    given = {"account"}
    if {"name", "last_name", "first_name"} & set(values):
        given.add("name")
    given.update(name for name in ("title", "email", "phone") if name in values)
    return frozenset(given)


def _contact_row(
    line: int, values: Mapping[str, str], limits: ContactLimits
) -> ContactRow | Rejected:
    external_id = normalise(values["external_id"])
    # HubSpot's "Associated Company IDs" lists every company ("101;102"): the first is the
    # primary one (no CRM's record id has a semicolon)
    account_id = normalise(values["account_id"].split(";", 1)[0])
    name = person_name(values)
    title = squash(values.get("title", ""))
    email = normalise(values.get("email", ""))
    phone = normalise(values.get("phone", ""))
    if not external_id:
        return Rejected(line, "no_id")
    if len(external_id) > limits.id_length:
        return Rejected(line, "id_too_long", external_id[:80])
    if not account_id:
        return Rejected(line, "no_account", external_id)
    given = _given(values)
    if not name:
        return Rejected(line, "no_name", external_id)
    if len(name) > limits.name_length:
        return Rejected(line, "name_too_long", name[:80])
    if len(title) > limits.title_length:
        return Rejected(line, "title_too_long", title[:80])
    if len(phone) > limits.phone_length:
        return Rejected(line, "phone_too_long", phone[:80])
    if email and not is_email(email, max_length=limits.email_length):
        return Rejected(line, "bad_email", email[:80])
    return ContactRow(
        line=line,
        external_id=external_id,
        account_id=account_id,
        given=given,
        name=name,
        title=title,
        email=email,
        phone=phone,
    )


def read_contact_rows(
    table: Table,
    columns: Mapping[str, int],
    contact_format: AccountFormat,
    limits: ContactLimits = ContactLimits(),
) -> tuple[list[ContactRow], list[Rejected]]:
    """Every data row of ``table`` as a ``ContactRow`` or a ``Rejected`` (ordered by line);
    every row of an id that appears more than once is ``duplicate_id``."""
    return read_valid_rows(
        table, columns, contact_format, lambda line, values: _contact_row(line, values, limits)
    )


def _row_values(row: ContactRow) -> dict[str, object]:
    values: dict[str, object] = {"account": row.account_id}
    values.update({name: getattr(row, name) for name in ("name", "title", "email", "phone")})
    return {name: value for name, value in values.items() if name in row.given}


def make_contact_plan(
    rows: Sequence[ContactRow],
    rejected: Sequence[Rejected],
    *,
    source: str,
    existing: Mapping[str, Existing],
    accounts: Collection[str],
    source_ids: Collection[str],
    file_ids: Collection[str],
) -> Plan:
    """The plan for ``rows`` (valid, ids unique) against ``existing`` (the contacts their ids
    name; ``values["account"]`` is the contact's account's CRM id), ``accounts`` (the CRM ids
    of the accounts of ``source`` the rows may name) and ``source_ids`` (every id of a contact
    imported from ``source``); ids in ``file_ids`` (rejected rows' too) are not missing."""
    plan = PlanBuilder(refused=list(rejected))
    for row in rows:
        if row.account_id not in accounts:
            plan.refused.append(Rejected(row.line, "unknown_account", row.account_id))
            continue
        contact = existing.get(row.external_id)
        values = _row_values(row)
        if contact is None:
            plan.created.append(Change(row.line, row.external_id, values))
        elif contact.source not in ("", source):
            plan.refused.append(Rejected(row.line, "other_source", contact.source))
        else:
            plan.compare(row.line, row.external_id, values, contact, source)
    return plan.plan(missing=set(source_ids) - set(file_ids))


KIZUNA_CONTACTS = AccountFormat(
    code="kizuna",
    columns={name: (name,) for name in CONTACT_FIELDS},
    fields=CONTACT_FIELDS,
    required=CONTACT_REQUIRED,
)
