"""An account export's rows → validated ``AccountRow``s, each bad row with its line and reason.

Line numbers are the spreadsheet's: the header is line 1, the first row line 2, a row whose
quoted cell holds line breaks is one line (Excel shows it in one row). Blank rows and a report's
footer are skipped. What a cell means:

- ``external_id`` (required): the CRM's record id, as written (Salesforce ids are
  case-sensitive); at most ``Limits.id_length`` characters.
- ``name`` (required): spaces trimmed and collapsed; at most ``Limits.name_length``.
- ``kana``: as ``name``; empty is empty.
- ``owner``: the CRM owner as the export writes it (a user id, a name or an e-mail); empty is
  no owner. Matching it to a member is the plan's job.
- ``industry``: the format's or the mapping's word for it, else a Kizuna code or label; an
  unknown word or an empty cell is ``other``.
- ``employee_count``: a whole number ≥ 0; full-width digits (``１２０``) and thousands
  separators (``1,200``, ``1，200``) are read; empty is unknown (None); above
  ``Limits.max_employees`` is rejected.
- ``parent_id``: the parent account's id in the same CRM (group companies); empty is no
  parent. A row naming itself is rejected (``self_parent``); resolving the others is the
  plan's job.

A row's fields are only those whose column is in the file (``AccountRow.given``): an import
never clears a field the export does not have.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from kizuna.core.imports.columns import AccountFormat, ImportMapping
from kizuna.core.imports.files import Table, normalise, squash

#: why a row is rejected (docs/imports.md lists each with its message)
REJECT_CODES = (
    "no_id",
    "id_too_long",
    "no_name",
    "name_too_long",
    "kana_too_long",
    "bad_number",
    "number_too_large",
    "duplicate_id",
    "extra_cells",
    "other_source",
    "self_parent",
)


@dataclass(frozen=True)
class Limits:
    """The sizes the account table takes (``customers.models.Account``)."""

    id_length: int = 64
    name_length: int = 200
    max_employees: int = 2_147_483_647  # PostgreSQL integer


@dataclass(frozen=True)
class Rejected:
    line: int
    code: str
    value: str = ""


@dataclass(frozen=True)
class AccountRow:
    line: int
    external_id: str
    given: frozenset[str]
    name: str = ""
    kana: str = ""
    owner: str = ""
    industry: str = "other"
    employee_count: int | None = None
    parent_id: str = ""


_SEPARATORS = re.compile(r"(?<=\d)[,_](?=\d{3})")


def parse_count(text: str, *, maximum: int) -> tuple[int | None, str]:
    """A whole number ≥ 0 from a cell and "" , or None and the reject code (``bad_number``,
    ``number_too_large``). An empty cell is (None, "")."""
    cleaned = _SEPARATORS.sub("", normalise(text))
    if not cleaned:
        return None, ""
    if not cleaned.isdigit() or not cleaned.isascii():
        return None, "bad_number"
    if len(cleaned) > 19 or int(cleaned) > maximum:
        return None, "number_too_large"
    return int(cleaned), ""


def _industry(text: str, account_format: AccountFormat, mapping: ImportMapping) -> str:
    word = normalise(text).casefold()
    return (
        mapping.industries.get(word)
        or account_format.industries.get(word)
        or account_format.industries.get(word.replace("_", " "))
        or "other"
    )


def _row(
    line: int,
    values: Mapping[str, str],
    account_format: AccountFormat,
    mapping: ImportMapping,
    limits: Limits,
) -> AccountRow | Rejected:
    external_id = normalise(values["external_id"])
    name = squash(values["name"])
    kana = squash(values.get("kana", ""))
    if not external_id:
        return Rejected(line, "no_id")
    if len(external_id) > limits.id_length:
        return Rejected(line, "id_too_long", external_id[:80])
    if not name:
        return Rejected(line, "no_name", external_id)
    if len(name) > limits.name_length:
        return Rejected(line, "name_too_long", name[:80])
    if len(kana) > limits.name_length:
        return Rejected(line, "kana_too_long", kana[:80])
    employees, problem = parse_count(values.get("employee_count", ""), maximum=limits.max_employees)
    if problem:
        return Rejected(line, problem, normalise(values["employee_count"])[:80])
    parent_id = normalise(values.get("parent_id", ""))
    if parent_id and parent_id == external_id:
        return Rejected(line, "self_parent", external_id)
    return AccountRow(
        line=line,
        external_id=external_id,
        given=frozenset(values),
        name=name,
        kana=kana,
        owner=squash(values.get("owner", "")),
        industry=_industry(values.get("industry", ""), account_format, mapping),
        employee_count=employees,
        parent_id=parent_id,
    )


def data_rows(
    table: Table, columns: Mapping[str, int], export_format: AccountFormat
) -> Iterator[tuple[int, dict[str, str]] | Rejected]:
    """Each data row of ``table`` as (line, field → cell), skipping blank rows and a report's
    footer; a row with more cells than the header has (a broken quote) is ``extra_cells``.
    Every kind of import (accounts, contacts) reads its rows through this."""
    after_blank = False
    width = len(table.headers)
    for line, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            after_blank = True
            continue
        if export_format.is_footer(cells, after_blank):
            continue
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            yield Rejected(line, "extra_cells", str(len(cells)))
            continue
        yield line, {name: cells[i] if i < len(cells) else "" for name, i in columns.items()}


def read_rows(
    table: Table,
    columns: Mapping[str, int],
    account_format: AccountFormat,
    mapping: ImportMapping,
    limits: Limits = Limits(),
) -> tuple[list[AccountRow], list[Rejected]]:
    """Every data row of ``table`` as an ``AccountRow`` or a ``Rejected`` (ordered by line).

    A row with more cells than the header has (a broken quote) is ``extra_cells``; every row
    of an id that appears more than once is ``duplicate_id`` (which one the CRM meant is not
    knowable), and the value names the lines.
    """
    return read_valid_rows(
        table,
        columns,
        account_format,
        lambda line, values: _row(line, values, account_format, mapping, limits),
    )


def read_valid_rows[Row: _Keyed](
    table: Table,
    columns: Mapping[str, int],
    export_format: AccountFormat,
    make_row: Callable[[int, Mapping[str, str]], Row | Rejected],
) -> tuple[list[Row], list[Rejected]]:
    """Every data row of ``table`` made a row of its kind by ``make_row(line, values)`` (or
    a ``Rejected``), then ``without_duplicates``: what every kind of import reads."""
    rows: list[Row] = []
    rejected: list[Rejected] = []
    for item in data_rows(table, columns, export_format):
        result = item if isinstance(item, Rejected) else make_row(*item)
        if isinstance(result, Rejected):
            rejected.append(result)
        else:
            rows.append(result)
    return without_duplicates(rows, rejected)


class _Keyed(Protocol):
    @property
    def line(self) -> int: ...

    @property
    def external_id(self) -> str: ...


def without_duplicates[Row: _Keyed](
    rows: Sequence[Row], rejected: list[Rejected]
) -> tuple[list[Row], list[Rejected]]:
    """``rows`` without those whose id appears more than once (each such row rejected as
    ``duplicate_id``, naming the lines), and ``rejected`` with them, ordered by line."""
    counts = Counter(row.external_id for row in rows)
    lines: dict[str, list[int]] = {}
    for row in rows:
        if counts[row.external_id] > 1:
            lines.setdefault(row.external_id, []).append(row.line)
    kept = [row for row in rows if counts[row.external_id] == 1]
    for row in rows:
        if counts[row.external_id] > 1:
            where = ", ".join(str(n) for n in lines[row.external_id])
            rejected.append(Rejected(row.line, "duplicate_id", f"{row.external_id} ({where})"))
    rejected.sort(key=lambda r: r.line)
    return kept, rejected


def file_ids(table: Table, columns: Mapping[str, int]) -> set[str]:
    """Every external id the file names, in valid and rejected rows alike."""
    index = columns["external_id"]
    return {normalise(cells[index]) for _, cells in table.rows if index < len(cells)} - {""}
