"""The usage event schema and its validation: every bad row is kept with its line and reason.

An event is one thing a user did in a customer's product:

| column | type | rule |
|---|---|---|
| ``account_key`` | text | the product's tenant id (mapped to a Kizuna account); required |
| ``user_id`` | text | the product's user id; required |
| ``event`` | text | the event name (the feature catalog maps it to a feature); required |
| ``occurred_at`` | timestamp | ISO 8601 **with** a zone (``Z``, ``+09:00``); naive is rejected; |
|  |  | outside the caller's ``EventWindow`` is rejected |
| ``quantity`` | integer ≥ 0 | default 1 |
| ``properties`` | JSON object | optional, kept as text |

Text fields are at most ``MAX_TEXT`` characters. ``line`` is the 1-based line of the row in its
file (CSV: the header is line 1; JSON lines: the line; Parquet and API arrays: the row number).
Nothing here reads the clock or the environment.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

REQUIRED_COLUMNS: Final = ("account_key", "user_id", "event", "occurred_at")
OPTIONAL_COLUMNS: Final = ("quantity", "properties")
#: file name extension → ``read_events`` format
FILE_FORMATS: Final = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MAX_TEXT: Final = 200
MAX_LINE_BYTES: Final = 64 * 1024
#: the validated batch: ``occurred_at`` is a UTC instant.
VALID_SCHEMA: Final = {
    "line": pl.Int64,
    "account_key": pl.String,
    "user_id": pl.String,
    "event": pl.String,
    "occurred_at": pl.Datetime("us", "UTC"),
    "quantity": pl.Int64,
    "properties": pl.String,
}
REASONS: Final = {
    "nul_character": "a field contains a NUL character (U+0000)",
    "missing_account_key": "account_key is empty",
    "missing_user_id": "user_id is empty",
    "missing_event": "event is empty",
    "too_long": f"a text field is longer than {MAX_TEXT} characters",
    "bad_timestamp": "occurred_at is not an ISO 8601 time",
    "naive_timestamp": "occurred_at has no time zone (add Z or +09:00)",
    "timestamp_out_of_range": "occurred_at is before the earliest or after the latest time taken",
    "bad_quantity": "quantity is not a whole number ≥ 0",
    "bad_properties": "properties is not a JSON object",
    "bad_json": "the line is not a JSON object",
    "line_too_long": f"the line is longer than {MAX_LINE_BYTES} bytes",
    "unknown_account": "no Kizuna account is mapped to this account_key",
}


@dataclass(frozen=True)
class EventWindow:
    """The instants an event may carry: ``earliest`` ≤ ``occurred_at`` ≤ ``latest`` (both
    inclusive, aware). The caller sets it (the apps: 2000-01-01 in the company time zone to one
    day after now), so a mistyped year 1 or 9999 never reaches the store."""

    earliest: dt.datetime
    latest: dt.datetime


class UsageFileError(ValueError):
    """The whole file is unreadable (wrong columns, not CSV/Parquet/JSON lines)."""


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str  # a key of REASONS
    raw: dict[str, Any]


@dataclass(frozen=True)
class ValidatedBatch:
    valid: pl.DataFrame  # VALID_SCHEMA
    rejected: tuple[RejectedRow, ...]

    @property
    def rows_in(self) -> int:
        return self.valid.height + len(self.rejected)


def read_events(data: bytes | Path, *, file_format: str) -> pl.DataFrame:
    """Read a CSV, Parquet or JSON lines file into text columns plus ``line``.

    ``file_format`` is ``csv``, ``parquet`` or ``jsonl``; raises ``UsageFileError`` when the file
    cannot be read or lacks a required column. Bad JSON lines are kept as rows whose ``_error``
    column says why (validation rejects them).
    """
    raw = data.read_bytes() if isinstance(data, Path) else data
    try:
        if file_format == "csv":
            frame = pl.read_csv(io.BytesIO(raw), infer_schema=False, truncate_ragged_lines=False)
            frame = frame.with_row_index("line", offset=2)
        elif file_format == "parquet":
            frame = pl.read_parquet(io.BytesIO(raw)).with_row_index("line", offset=1)
        elif file_format == "jsonl":
            frame = _read_jsonl(raw)
        else:
            raise UsageFileError(f"unknown format {file_format!r}: use csv, parquet or jsonl")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as error:
        raise UsageFileError(f"cannot read the {file_format} file: {error}") from error
    return frame.with_columns(pl.col("line").cast(pl.Int64))


def records_frame(records: list[Any], *, first_line: int = 1) -> pl.DataFrame:
    """Rows given as Python objects (an API batch); non-objects become ``bad_json`` rows."""
    rows: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        row: dict[str, Any]
        if isinstance(record, dict):
            row = {k: _as_text(v) for k, v in record.items() if isinstance(k, str)}
            row["_error"] = None
        else:
            row = {"_error": "bad_json", "_raw": _as_text(record)}
        row["line"] = first_line + index
        rows.append(row)
    columns = {k for row in rows for k in row} | set(REQUIRED_COLUMNS) | {"_error", "line"}
    data = {c: [row.get(c) for row in rows] for c in sorted(columns)}
    schema = {c: (pl.Int64 if c == "line" else pl.String) for c in data}
    return pl.DataFrame(data, schema=schema)


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _read_jsonl(raw: bytes) -> pl.DataFrame:
    records: list[Any] = []
    lines: list[int] = []
    for number, text in enumerate(raw.splitlines(), start=1):
        if not text.strip():
            continue
        lines.append(number)
        if len(text) > MAX_LINE_BYTES:
            records.append(_Bad("line_too_long", text[:200].decode("utf-8", "replace")))
            continue
        try:
            records.append(json.loads(text))
        except (json.JSONDecodeError, UnicodeDecodeError):
            records.append(_Bad("bad_json", text[:MAX_TEXT].decode("utf-8", "replace")))
    frame = records_frame([r if not isinstance(r, _Bad) else None for r in records])
    errors = [
        r.reason if isinstance(r, _Bad) else e
        for r, e in zip(records, frame["_error"], strict=True)
    ]
    raws = [r.text if isinstance(r, _Bad) else None for r in records]
    return frame.with_columns(
        pl.Series("line", lines, dtype=pl.Int64),
        pl.Series("_error", errors, dtype=pl.String),
        pl.Series("_raw", raws, dtype=pl.String),
    )


@dataclass(frozen=True)
class _Bad:
    reason: str
    text: str


def validate_events(frame: pl.DataFrame, *, window: EventWindow | None = None) -> ValidatedBatch:
    """Split ``frame`` (from ``read_events`` or ``records_frame``) into valid rows and rejects.

    A row is rejected for the first failing rule, in the order of ``REASONS``; every rejected
    row keeps its line and its raw values. With a ``window``, a time outside it is rejected as
    ``timestamp_out_of_range``. Raises ``UsageFileError`` if a required column is missing from
    the whole frame.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        found = ", ".join(c for c in frame.columns if not c.startswith("_") and c != "line")
        raise UsageFileError(
            f"missing column(s): {', '.join(missing)} (found: {found or 'none'}); "
            f"required: {', '.join(REQUIRED_COLUMNS)}"
        )
    work = _normalised(frame)
    empty = {
        c: pl.col(c).is_null() | (pl.col(c) == "") for c in ("account_key", "user_id", "event")
    }
    nul = pl.any_horizontal(
        pl.col(c).str.contains("\x00", literal=True)
        for c in ("account_key", "user_id", "event", "occurred_at", "quantity", "properties")
        if c in work.columns and work.schema[c] == pl.String
    ) | pl.col("properties").str.contains("\\u0000", literal=True)  # a NUL once decoded
    too_long = pl.any_horizontal(
        pl.col(c).str.len_chars() > MAX_TEXT for c in ("account_key", "user_id", "event")
    )
    rules: list[tuple[pl.Expr, str | pl.Expr]] = [
        (pl.col("_error").is_not_null(), pl.col("_error")),
        (nul, "nul_character"),
        (empty["account_key"], "missing_account_key"),
        (empty["user_id"], "missing_user_id"),
        (empty["event"], "missing_event"),
        (too_long, "too_long"),
        (pl.col("_ts").is_null() & ~pl.col("_naive"), "bad_timestamp"),
        (pl.col("_naive"), "naive_timestamp"),
        (_outside(window), "timestamp_out_of_range"),
        (pl.col("_qty").is_null() | (pl.col("_qty") < 0), "bad_quantity"),
        (~pl.col("_props_ok"), "bad_properties"),
    ]
    # the first failing rule names the reason
    reason = pl.coalesce(
        pl.when(cond.fill_null(False)).then(code if isinstance(code, pl.Expr) else pl.lit(code))
        for cond, code in rules
    )
    work = work.with_columns(reason.alias("_reason"))
    valid = work.filter(pl.col("_reason").is_null()).select(
        "line",
        "account_key",
        "user_id",
        "event",
        pl.col("_ts").alias("occurred_at"),
        pl.col("_qty").alias("quantity"),
        "properties",
    )
    bad = work.filter(pl.col("_reason").is_not_null())
    raw_columns = [c for c in frame.columns if c not in {"line", "_error"}]
    rejected = tuple(
        RejectedRow(
            line=int(row["line"]),
            reason=str(row["_reason"]),
            raw={
                _without_nul(c): _json_safe(row.get(c))
                for c in raw_columns
                if row.get(c) is not None
            },
        )
        for row in bad.select("line", "_reason", *raw_columns).to_dicts()
    )
    return ValidatedBatch(valid=valid.cast(VALID_SCHEMA), rejected=rejected)  # type: ignore[arg-type]


def _outside(window: EventWindow | None) -> pl.Expr:
    if window is None:
        return pl.lit(False)
    earliest = pl.lit(window.earliest).cast(pl.Datetime("us", "UTC"))
    latest = pl.lit(window.latest).cast(pl.Datetime("us", "UTC"))
    return (pl.col("_ts") < earliest) | (pl.col("_ts") > latest)


def _json_safe(value: Any) -> Any:
    """A raw value as stored in the quarantine (JSON): a NUL becomes U+FFFD, which every
    database takes (PostgreSQL refuses U+0000 in text and jsonb)."""
    if isinstance(value, int | float | bool):
        return value
    return _without_nul(value if isinstance(value, str) else str(value))


def _without_nul(text: str) -> str:
    return text.replace("\x00", "\ufffd")


def _is_json_object(text: str) -> bool:
    if text == "":
        return True
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns trimmed; ``_ts`` parsed to UTC, ``_naive``, ``_qty``, ``_props_ok``."""
    work = frame
    for column, default in (("quantity", None), ("properties", None), ("_error", None)):
        if column not in work.columns:
            work = work.with_columns(pl.lit(default, dtype=pl.String).alias(column))
    ts = work.schema["occurred_at"]
    if isinstance(ts, pl.Datetime):
        aware = ts.time_zone is not None
        parsed = pl.col("occurred_at").dt.convert_time_zone("UTC") if aware else pl.lit(None)
        work = work.with_columns(
            parsed.cast(pl.Datetime("us", "UTC")).alias("_ts"),
            pl.lit(not aware).alias("_naive") & pl.col("occurred_at").is_not_null(),
        )
    else:
        text = pl.col("occurred_at").cast(pl.String).str.strip_chars()
        iso = text.str.replace(r"Z$", "+00:00").str.replace(r"^(\d{4}-\d\d-\d\d) ", "${1}T")
        has_zone = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$")
        naive_ok = iso.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False).is_not_null()
        work = work.with_columns(
            iso.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", time_zone="UTC", strict=False).alias(
                "_ts"
            ),
            (~has_zone.fill_null(False) & naive_ok.fill_null(False)).alias("_naive"),
        )
    strings = ("account_key", "user_id", "event", "quantity", "properties")
    work = work.with_columns(pl.col(c).cast(pl.String).str.strip_chars() for c in strings)
    props = pl.col("properties")
    return work.with_columns(
        pl.when(pl.col("quantity").is_null() | (pl.col("quantity") == ""))
        .then(pl.lit(1, dtype=pl.Int64))
        .otherwise(pl.col("quantity").cast(pl.Int64, strict=False))
        .alias("_qty"),
        props.map_elements(_is_json_object, return_dtype=pl.Boolean)
        .fill_null(True)
        .alias("_props_ok"),
        pl.when(props == "").then(None).otherwise(props).alias("properties"),
    )
