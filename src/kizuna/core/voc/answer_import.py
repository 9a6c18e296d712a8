"""A survey tool's CSV export of answers → validated ``AnswerRow``s. No Django.

One generic format (docs/imports.md, *Survey answers*): the columns ``email``, ``score``,
``comment``, ``answered_at`` and, optional, ``program`` (a program's code; the default NPS
program when absent or empty) and ``external_id`` (the survey tool's id of the answer, the
duplicate key). Headers are matched without case or surrounding spaces; other columns are
ignored.

Each row is an answer or a ``Rejected`` with its reason (``ANSWER_REJECT_CODES``); the good rows
are imported, as in the other imports. A row is a **duplicate** when its ``external_id`` or its
(contact, program, answered-at) was seen on an earlier row of the file or is already stored:
importing a file again writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kizuna.core.imports.accounts import Rejected
from kizuna.core.imports.columns import AccountFormat, FileRefused
from kizuna.core.imports.files import Table, normalise
from kizuna.core.voc.categories import SCORE_RANGE

ANSWER_FIELDS = ("email", "score", "comment", "answered_at", "program", "external_id")
ANSWER_REQUIRED = ("email", "score", "answered_at")

#: the generic format as the import service (``apps.imports``) finds its columns: each field
#: under its own name, the headers compared without case (a mapping file may name others)
ANSWER_FORMAT = AccountFormat(
    code="kizuna",
    columns={name: (name,) for name in ANSWER_FIELDS},
    fields=ANSWER_FIELDS,
    required=ANSWER_REQUIRED,
)

#: why an answer row is rejected (docs/imports.md lists each)
ANSWER_REJECT_CODES = (
    "missing_email",
    "unknown_contact",
    "unknown_program",
    "bad_score",
    "score_out_of_range",
    "bad_date",
    "comment_too_long",
    "id_too_long",
    "duplicate",
)

#: the longest comment stored (``SurveyAnswer.comment``); a longer one is rejected, not cut
MAX_COMMENT = 5000
MAX_EXTERNAL_ID = 100
#: the earliest answer date taken (survey tools did not exist before)
EARLIEST = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class AnswerRow:
    line: int
    contact_id: int
    email: str
    program: str
    score: int
    comment: str
    answered_at: dt.datetime  # aware
    external_id: str = ""


@dataclass(frozen=True)
class Directory:
    """What the rows are checked against: ``contacts`` (e-mail, case-folded → contact id; an
    e-mail two contacts share is absent), ``programs`` (code → kind), the default program's
    code, the stored answers' (contact id, program code, answered-at) and external ids."""

    contacts: Mapping[str, int]
    programs: Mapping[str, str]
    default_program: str | None
    stored_keys: Collection[tuple[int, str, dt.datetime]] = ()
    stored_ids: Collection[str] = ()


def answer_columns(table: Table) -> dict[str, int]:
    """Field → column index; ``FileRefused("missing_column", field)`` for a required field no
    header names."""
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        name = header.strip().casefold()
        if name in ANSWER_FIELDS and name not in found:
            found[name] = index
    for name in ANSWER_REQUIRED:
        if name not in found:
            raise FileRefused("missing_column", name)
    return found


def parse_score(text: str, kind: str) -> int | str:
    """The score, or the reject code: ``bad_score`` (not a whole number) or
    ``score_out_of_range`` (outside the kind's range)."""
    value = normalise(text)
    if not value or len(value) > 20 or not value.lstrip("+-").isdigit():
        return "bad_score"
    score = int(value)
    low, high = SCORE_RANGE[kind]
    return score if low <= score <= high else "score_out_of_range"


def parse_answered_at(text: str, zone: ZoneInfo, today: dt.date) -> dt.datetime | None:
    """An ISO date (midnight) or datetime; a naive one is in ``zone`` (the company's time
    zone). None when unparseable, before ``EARLIEST`` or after ``today`` + 1 day."""
    value = normalise(text)
    if not value or len(value) > 40:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    try:
        local = when.astimezone(zone).date()
    except OverflowError:
        return None
    if local < EARLIEST or local > today + dt.timedelta(days=1):
        return None
    return when.astimezone(dt.UTC)


def read_answer_rows(
    table: Table,
    directory: Directory,
    *,
    zone: ZoneInfo,
    today: dt.date,
    columns: Mapping[str, int] | None = None,
) -> tuple[list[AnswerRow], list[Rejected]]:
    """Every data row of ``table`` as an ``AnswerRow`` or a ``Rejected`` (ordered by line);
    ``columns`` (field → column index) as ``answer_columns`` finds them when not given."""
    columns = answer_columns(table) if columns is None else columns
    rows: list[AnswerRow] = []
    rejected: list[Rejected] = []
    keys = set(directory.stored_keys)
    ids = set(directory.stored_ids)
    for line, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, cells: tuple[str, ...] = cells) -> str:
            index = columns.get(name)
            return cells[index] if index is not None and index < len(cells) else ""

        result = _answer(line, cell, directory, zone, today)
        if isinstance(result, Rejected):
            rejected.append(result)
            continue
        key = (result.contact_id, result.program, result.answered_at)
        if key in keys or (result.external_id and result.external_id in ids):
            rejected.append(Rejected(line, "duplicate", result.external_id or result.email))
            continue
        keys.add(key)
        if result.external_id:
            ids.add(result.external_id)
        rows.append(result)
    return rows, rejected


def _answer(
    line: int,
    cell: Callable[[str], str],
    directory: Directory,
    zone: ZoneInfo,
    today: dt.date,
) -> AnswerRow | Rejected:
    email = normalise(cell("email"))
    if not email:
        return Rejected(line, "missing_email")
    contact_id = directory.contacts.get(email.casefold())
    if contact_id is None:
        return Rejected(line, "unknown_contact", email[:80])
    program = normalise(cell("program")) or directory.default_program or ""
    kind = directory.programs.get(program)
    if kind is None:
        return Rejected(line, "unknown_program", program[:80])
    score = parse_score(cell("score"), kind)
    if isinstance(score, str):
        return Rejected(line, score, normalise(cell("score"))[:80])
    answered_at = parse_answered_at(cell("answered_at"), zone, today)
    if answered_at is None:
        return Rejected(line, "bad_date", normalise(cell("answered_at"))[:80])
    comment = cell("comment").replace("\x00", "").strip()  # NUL: no database stores it
    if len(comment) > MAX_COMMENT:
        return Rejected(line, "comment_too_long", f"{len(comment):,}")
    external_id = normalise(cell("external_id"))
    if len(external_id) > MAX_EXTERNAL_ID:
        return Rejected(line, "id_too_long", external_id[:80])
    return AnswerRow(
        line=line,
        contact_id=contact_id,
        email=email,
        program=program,
        score=score,
        comment=comment,
        answered_at=answered_at,
        external_id=external_id,
    )
