"""Reading activity exports (CSV) from other systems into plain rows. No Django.

A file goes through three steps, each a pure function:

1. ``decode``: bytes → text. UTF-8 (with or without the BOM Excel writes), UTF-16 (Excel's
   "Unicode text", with a BOM or recognised by its zero bytes) or Shift_JIS (Windows code page
   932, what Japanese Excel saves as "CSV"). Anything else, binary files included, is a
   ``CsvError``.
2. ``read_table``: text → header + rows, each row with its spreadsheet row number (the header
   is row 1, so the first data row is row 2, blank rows count as in Excel).
3. ``map_rows``: rows + a column mapping (Kizuna field → the file's header) + a ``Preset``
   (one per external system: ``salesforce/activities.py``, ``calendar/events.py``, ``GENERIC``)
   → ``ActivityRow``s. A row that cannot become a touchpoint carries error codes; the app turns
   codes into messages in the reader's language and looks accounts and members up.

Times are naive wall-clock times as written in the file; the app reads them in the company's
time zone. A date without a time is 00:00 that day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

# decoding and reading CSV have one home, the core; the names stay importable from here
from kizuna.core.imports.files import (
    MAX_BYTES,
    CsvError,
    Table,
    decode,
    normalise,
    read_table,
    squash,
)
from kizuna.core.touchpoints import TOUCH_KINDS

__all__ = [
    "FIELDS",
    "GENERIC",
    "KIND_ALIASES",
    "MAX_BYTES",
    "SUMMARY_MAX",
    "ActivityRow",
    "CsvError",
    "FooterRule",
    "KindRule",
    "Preset",
    "RowError",
    "Table",
    "attendee_emails",
    "decode",
    "guess_mapping",
    "kind_from_alias",
    "map_row",
    "map_rows",
    "never_footer",
    "normalise",
    "parse_datetime",
    "read_table",
    "squash",
]

SUMMARY_MAX = 4000

# The Kizuna fields a column can be mapped to, in the order the mapping form shows them.
FIELDS = (
    "external_id",
    "account_crm_id",
    "account_name",
    "attendees",
    "csm",
    "kind",
    "date",
    "time",
    "subject",
    "description",
    "location",
)
# Words other tools (and people) use for Kizuna's kinds; keys are compared case-folded.
KIND_ALIASES: dict[str, str] = {
    **{kind: kind for kind in TOUCH_KINDS},
    "e-mail": "email",
    "mail": "email",
    "on-site visit": "onsite",
    "visit": "onsite",
    "internal note": "note",
    "webinar (1:n)": "webinar",
    "打ち合わせ": "meeting",
    "ミーティング": "meeting",
    "会議": "meeting",
    "面談": "meeting",
    "電話": "call",
    "メール": "email",
    "訪問": "onsite",
    "ウェビナー": "webinar",
    "ウェビナー(1:n)": "webinar",
    "セミナー": "webinar",
    "社内メモ": "note",
    "メモ": "note",
    "その他": "other",
}


@dataclass(frozen=True)
class RowError:
    """Why a row cannot be imported: a code the app translates, and the offending value."""

    code: str
    value: str = ""


@dataclass(frozen=True)
class ActivityRow:
    """One mapped row. ``occurred_at`` is naive local time (or aware if the file said so)."""

    line: int
    source_id: str
    account_crm_id: str
    account_name: str
    attendees: tuple[str, ...]
    csm: str
    kind: str | None
    occurred_at: dt.datetime | None
    summary: str
    errors: tuple[RowError, ...] = field(default=())

    def fingerprint(self) -> str:
        """SHA-256 of the normalised mapped values: the identity of a row without an id."""
        when = self.occurred_at.isoformat() if self.occurred_at else ""
        parts = (
            self.account_crm_id,
            self.account_name,
            ",".join(self.attendees),
            self.csm,
            self.kind or "",
            when,
            self.summary,
        )
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    def external_id(self, source: str) -> str:
        """``<source>:<id>`` when the export has an id column, else ``<source>:<fingerprint>``."""
        return f"{source}:{self.source_id or self.fingerprint()}"


KindRule = Callable[[Mapping[str, str]], str | None]
FooterRule = Callable[[Sequence[str], bool], bool]


def kind_from_alias(values: Mapping[str, str]) -> str | None:
    """The Kizuna kind named by the ``kind`` value (a Kizuna code or a common word), or None."""
    return KIND_ALIASES.get(normalise(values.get("kind", "")).casefold())


def never_footer(cells: Sequence[str], after_blank: bool) -> bool:
    return False


@dataclass(frozen=True)
class Preset:
    """What one external system's export looks like.

    ``columns``: for each Kizuna field, the headers that system uses (first match wins);
    ``kind``: the Kizuna kind of a row from its mapped values, None when unknown;
    ``kind_required``: a row without a kind value is rejected (False: ``kind`` decides alone);
    ``is_footer``: rows to ignore, e.g. a report's totals (gets the cells and whether a blank
    row came before).
    """

    source: str
    columns: Mapping[str, tuple[str, ...]]
    kind: KindRule = kind_from_alias
    kind_required: bool = True
    is_footer: FooterRule = never_footer


GENERIC = Preset(
    source="csv",
    columns={
        "external_id": ("id", "external_id", "ID"),
        "account_crm_id": ("account_crm_id", "CRM ID", "Account ID", "取引先 ID"),
        "account_name": ("account", "account_name", "Account", "顧客", "会社名", "取引先名"),
        "attendees": ("attendees", "Attendees", "参加者"),
        "csm": ("csm", "CSM", "username", "email", "担当者", "担当CSM"),
        "kind": ("kind", "type", "Type", "種別"),
        "date": ("occurred_at", "date", "Date", "日時", "日付"),
        "time": ("time", "Time", "時刻"),
        "subject": ("subject", "Subject", "件名", "タイトル"),
        "description": ("summary", "description", "Description", "内容", "メモ"),
        "location": ("location", "Location", "場所"),
    },
)


def guess_mapping(headers: Sequence[str], preset: Preset) -> dict[str, str]:
    """Kizuna field → the file's header the preset expects there ("" when none is present)."""
    by_folded = {normalise(header).casefold(): header for header in headers}
    mapping: dict[str, str] = {}
    for name in FIELDS:
        candidates = preset.columns.get(name, ())
        found = (by_folded.get(normalise(c).casefold()) for c in candidates)
        mapping[name] = next((header for header in found if header), "")
    return mapping


_EMAIL = re.compile(r"[^\s<>;,\"'()]+@[^\s<>;,\"'()]+")


def attendee_emails(text: str) -> tuple[str, ...]:
    """The e-mail addresses in an attendee cell, lower case, in order, without repeats."""
    return tuple(dict.fromkeys(match.lower() for match in _EMAIL.findall(text)))


_DATE_FORMATS = ("%Y/%m/%d", "%Y-%m-%d", "%Y.%m.%d", "%Y年%m月%d日", "%m/%d/%Y")
_TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p")


def _parse_time(text: str) -> dt.time | None:
    text = text.replace("午前", "AM ").replace("午後", "PM ").strip()
    for marker in ("AM", "PM"):  # "AM 10:00" (Japanese order) → "10:00 AM"
        if text.upper().startswith(marker):
            text = f"{text[2:].strip()} {marker}"
    for time_format in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text.upper(), time_format).time()
        except ValueError:
            continue
    return None


def parse_datetime(date_text: str, time_text: str = "") -> dt.datetime | None:
    """A date (``2026/11/05``, ``2026-11-05``, ``11/5/2026`` month first, ``2026年11月5日``),
    optionally followed by a time or given one separately (``10:00``, ``10:00:00``,
    ``10:00 AM``, ``午後2:30``); ISO 8601 with an offset stays aware. None when unreadable."""
    date_text, time_text = normalise(date_text), normalise(time_text)
    if not date_text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(date_text)
    except ValueError:
        pass
    else:
        if "T" in date_text or " " in date_text or not time_text:
            return parsed
    date_part, _, rest = date_text.partition(" ")
    time_text = time_text or rest
    for date_format in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(date_part, date_format).date()
        except ValueError:
            continue
        if not time_text:
            return dt.datetime.combine(day, dt.time())
        at = _parse_time(time_text)
        return dt.datetime.combine(day, at) if at is not None else None
    return None


def _summary(subject: str, description: str) -> str:
    text = subject if not description else f"{subject}\n{description}".strip()
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def map_row(line: int, values: Mapping[str, str], preset: Preset) -> ActivityRow:
    """One row's Kizuna values from its mapped cells (field → raw text), with its errors."""
    errors: list[RowError] = []
    attendees = attendee_emails(values.get("attendees", ""))
    crm_id = normalise(values.get("account_crm_id", ""))
    name = squash(values.get("account_name", ""))
    if not crm_id and not name and not attendees:
        errors.append(RowError("no_account"))
    raw_date = values.get("date", "")
    occurred_at = parse_datetime(raw_date, values.get("time", ""))
    if occurred_at is None:
        errors.append(
            RowError("bad_date", normalise(raw_date)) if raw_date.strip() else RowError("no_date")
        )
    raw_kind = normalise(values.get("kind", ""))
    kind = preset.kind(values)
    if kind is None:
        if raw_kind:
            errors.append(RowError("unknown_kind", raw_kind))
        elif preset.kind_required:
            errors.append(RowError("no_kind"))
    return ActivityRow(
        line=line,
        source_id=normalise(values.get("external_id", "")),
        account_crm_id=crm_id,
        account_name=name,
        attendees=attendees,
        csm=squash(values.get("csm", "")),
        kind=kind,
        occurred_at=occurred_at,
        summary=_summary(
            squash(values.get("subject", "")),
            values.get("description", "").replace("\r\n", "\n").strip(),
        ),
        errors=tuple(errors),
    )


def map_rows(table: Table, mapping: Mapping[str, str], preset: Preset) -> list[ActivityRow]:
    """Every data row of ``table`` mapped through ``mapping``; blank rows and footers skipped."""
    index = {header: position for position, header in enumerate(table.headers)}
    columns = {name: index[header] for name, header in mapping.items() if header in index}
    rows: list[ActivityRow] = []
    after_blank = False
    for line, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            after_blank = True
            continue
        if preset.is_footer(cells, after_blank):
            continue
        values = {
            name: cells[position] if position < len(cells) else ""
            for name, position in columns.items()
        }
        rows.append(map_row(line, values, preset))
    return rows
