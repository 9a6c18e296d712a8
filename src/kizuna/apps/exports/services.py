"""Export everything a company keeps in Kizuna to a folder, and restore such a folder into an
empty Kizuna (docs/export.md).

An export is a folder: for each table (``tables.export_tables``) a CSV file and a Parquet file
with the same rows and columns, the usage store's events and daily totals the same way
(``usage_events``, ``usage_daily_totals``: the Parquet files under ``settings.USAGE_DIR`` are
the usage's store of record), and ``manifest.json``: per table its files, row count, SHA-256 of
each file and columns (type and a one-line definition), the export time and Kizuna's version.

A restore reads the Parquet files (or the CSV files, ``source="csv"``), checks every file
against the manifest before it writes anything, refuses a database that is not empty, then
inserts every table in dependency order with its primary keys, in one transaction, resets
PostgreSQL's sequences and writes the usage store back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from itertools import batched
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from kizuna.apps.exports.tables import (
    EXCLUDED_COLUMNS,
    EXCLUDED_TABLES,
    SEEDED_TABLES,
    Table,
    export_tables,
)
from kizuna.core.usage.store import DAILY_SCHEMA, STORED_SCHEMA, EventStore, batch_of
from kizuna.db.bulk import bulk_insert

MANIFEST = "manifest.json"
FORMAT = "kizuna-export"
FORMAT_VERSION = 1
#: rows read from the database at a time
CHUNK = 20_000
USAGE_EVENTS = "usage_events"
USAGE_DAILY = "usage_daily_totals"
USAGE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    USAGE_EVENTS: {"batch_id": pl.String(), **STORED_SCHEMA},
    USAGE_DAILY: {"batch_id": pl.String(), **DAILY_SCHEMA},
}
USAGE_DEFINITIONS: dict[str, dict[str, str]] = {
    USAGE_EVENTS: {
        "batch_id": "The ingestion batch the event came in (the usage ingestion run's batch id)",
        "account_id": "Account the event belongs to",
        "account_key": "The account's key in the product, as the event carried it",
        "user_id": "The product's user id",
        "event": "Event name (a feature)",
        "occurred_at": "When the event happened (UTC)",
        "quantity": "Quantity the event carried",
        "properties": "Other properties of the event, as JSON text",
    },
    USAGE_DAILY: {
        "batch_id": "The ingestion batch the totals came in",
        "account_id": "Account",
        "day": "Company day",
        "events": "Events that day",
        "quantity": "Quantity that day",
        "active_users": "Distinct active users that day",
        "feature_counts": "Events per feature (JSON text in the CSV file)",
    },
}


class RestoreRefused(Exception):
    """The export does not match its manifest, or the database is not empty: nothing written."""


@dataclass(frozen=True)
class TableCount:
    name: str
    rows: int


@dataclass(frozen=True)
class ExportResult:
    out: Path
    tables: tuple[TableCount, ...]


def kizuna_version() -> str:
    try:
        return version("kizuna")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# --- export ------------------------------------------------------------------------------


def _db_frames(table: Table) -> Iterator[pl.DataFrame]:
    """The table's rows in primary-key order, a chunk at a time, typed as the manifest says."""
    names = [c.name for c in table.columns]
    json_at = [i for i, c in enumerate(table.columns) if c.is_json]
    rows = table.model._base_manager.order_by("pk").values_list(*names).iterator(chunk_size=CHUNK)
    for chunk in batched(rows, CHUNK):
        if json_at:
            chunk = tuple(_json_text(row, json_at) for row in chunk)
        yield pl.DataFrame(list(chunk), schema=table.schema, orient="row")


def _json_text(row: tuple[Any, ...], at: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in at:
        if values[i] is not None:
            values[i] = json.dumps(values[i], ensure_ascii=False, sort_keys=True)
    return tuple(values)


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns (a usage day's feature counts) as JSON text, which CSV can hold."""
    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    if not nested:
        return frame
    return frame.with_columns(
        pl.Series(name, [_nested_json(v) for v in frame[name].to_list()], dtype=pl.String)
        for name in nested
    )


def _nested_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _write_table(
    out: Path, name: str, frames: Iterator[pl.DataFrame], schema: dict[str, pl.DataType]
) -> int:
    """Write one table's CSV (appended chunk by chunk) and Parquet; returns its rows."""
    csv_path, parquet_path = out / f"{name}.csv", out / f"{name}.parquet"
    parts: list[pl.DataFrame] = []
    with csv_path.open("wb") as csv_file:
        header = True
        for frame in frames:
            _csv_ready(frame).write_csv(csv_file, include_header=header)
            header = False
            parts.append(frame)
        if header:  # no rows: the header alone
            _csv_ready(pl.DataFrame(schema=schema)).write_csv(csv_file)
    whole = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    whole.write_parquet(parquet_path, compression="zstd", statistics=True)
    return whole.height


def _usage_frames(kind: str) -> Iterator[pl.DataFrame]:
    store = EventStore(settings.USAGE_DIR)
    paths = store.files() if kind == USAGE_EVENTS else store.daily_files()
    schema = USAGE_SCHEMAS[kind]
    for path in paths:
        frame = pl.read_parquet(path, hive_partitioning=False)
        yield (
            frame.with_columns(pl.lit(batch_of(path)).alias("batch_id"))
            .select(list(schema))
            .cast(schema)  # type: ignore[arg-type]
        )


def _files_entry(out: Path, name: str) -> dict[str, Any]:
    files = {"csv": f"{name}.csv", "parquet": f"{name}.parquet"}
    return {"files": files, "sha256": {k: _sha256(out / v) for k, v in files.items()}}


def export_write(*, out: Path) -> ExportResult:
    """Write the export into the folder ``out`` (created; it must be empty if it exists).

    The tables are read in one transaction (on PostgreSQL a repeatable-read snapshot when no
    transaction is open yet), so the counts agree with each other."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    exported_at = timezone.now()
    entries: list[dict[str, Any]] = []
    counts: list[TableCount] = []
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for table in export_tables():
            rows = _write_table(out, table.name, _db_frames(table), table.schema)
            entries.append(
                {
                    "name": table.name,
                    "model": table.label,
                    "description": table.description("en"),
                    "description_ja": table.description("ja"),
                    **_files_entry(out, table.name),
                    "rows": rows,
                    "columns": [c.describe() for c in table.columns],
                }
            )
            counts.append(TableCount(table.name, rows))
    for kind, description, description_ja in (
        (USAGE_EVENTS, "usage events (the usage store's raw events)", "利用イベント（生データ）"),
        (USAGE_DAILY, "usage daily totals (the usage store's loaded totals)", "日次利用合計"),
    ):
        schema = USAGE_SCHEMAS[kind]
        rows = _write_table(out, kind, _usage_frames(kind), schema)
        entries.append(
            {
                "name": kind,
                "model": None,
                "description": description,
                "description_ja": description_ja,
                **_files_entry(out, kind),
                "rows": rows,
                "columns": [
                    {"name": name, "type": str(dtype), "definition": USAGE_DEFINITIONS[kind][name]}
                    for name, dtype in schema.items()
                ],
            }
        )
        counts.append(TableCount(kind, rows))
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kizuna_version": kizuna_version(),
        "exported_at": exported_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "database": connection.vendor,
        "tables": entries,
        "excluded": _excluded(),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return ExportResult(out, tuple(counts))


def _excluded() -> list[dict[str, str]]:
    return [
        *({"table": label, "why": why} for label, why in EXCLUDED_TABLES.items()),
        *(
            {"table": label, "column": column, "why": why}
            for label, columns in EXCLUDED_COLUMNS.items()
            for column, why in columns.items()
        ),
    ]


# --- restore -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    """One table of the export, checked against its manifest entry and the current schema."""

    name: str
    table: Table | None  # None: a usage store table
    path: Path
    source: str
    schema: dict[str, pl.DataType]
    rows: int


def _read(checked: _Checked) -> pl.DataFrame:
    if checked.source == "csv":
        nested = {n: d for n, d in checked.schema.items() if d.is_nested()}
        flat = {n: (pl.String() if n in nested else d) for n, d in checked.schema.items()}
        frame = pl.read_csv(checked.path, schema=flat)
        return frame.with_columns(pl.col(n).str.json_decode(d) for n, d in nested.items())
    return pl.read_parquet(checked.path).cast(checked.schema)  # type: ignore[arg-type]


def _row_count(path: Path, source: str, schema: dict[str, pl.DataType]) -> int:
    if source == "csv":
        flat = {n: pl.String() for n in schema}
        return pl.read_csv(path, schema=flat).height
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def _file_columns(path: Path, source: str) -> list[str]:
    if source == "csv":
        return pl.read_csv(path, n_rows=0, infer_schema=False).columns
    return list(pl.read_parquet_schema(path))


def _check(folder: Path, source: str) -> list[_Checked]:
    """Every table of the export checked against its manifest: the manifest's format, each
    table known to this Kizuna with the same columns, each file there with its SHA-256 and
    row count. Raises ``RestoreRefused`` naming the first mismatch."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise RestoreRefused(f"{manifest_path}: no manifest")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise RestoreRefused(f"{manifest_path}: not JSON ({error})") from error
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise RestoreRefused(f"{manifest_path}: not a Kizuna export of format {FORMAT_VERSION}")
    known = {t.name: t for t in export_tables()}
    checked: list[_Checked] = []
    for entry in manifest.get("tables", []):
        name = str(entry.get("name"))
        table = known.get(name)
        if name in USAGE_SCHEMAS:
            schema = USAGE_SCHEMAS[name]
        elif table is not None:
            schema = table.schema
        else:
            raise RestoreRefused(f"{name}: a table this Kizuna does not have")
        columns = [c.get("name") for c in entry.get("columns", [])]
        unknown = sorted(set(columns) - set(schema))
        if unknown:
            raise RestoreRefused(f"{name}: columns this Kizuna does not have: {unknown}")
        if table is not None:
            missing = [c.name for c in table.columns if c.name not in columns and not _optional(c)]
            if missing:
                raise RestoreRefused(f"{name}: required columns missing: {missing}")
        schema = {n: schema[n] for n in columns}
        file_name = str(entry.get("files", {}).get(source, ""))
        if Path(file_name).name != file_name or file_name in {"", ".", ".."}:
            raise RestoreRefused(f"{name}: {file_name!r} is not a file name of the export")
        path = folder / file_name
        if not path.is_file():
            raise RestoreRefused(f"{name}: {path.name or source} is missing")
        if _sha256(path) != entry.get("sha256", {}).get(source):
            raise RestoreRefused(f"{name}: {path.name} differs from its manifest (SHA-256)")
        if _file_columns(path, source) != columns:
            raise RestoreRefused(f"{name}: the columns of {path.name} are not the manifest's")
        rows = _row_count(path, source, schema)
        if rows != entry.get("rows"):
            raise RestoreRefused(
                f"{name}: {path.name} has {rows} rows, the manifest says {entry.get('rows')}"
            )
        checked.append(_Checked(name, table, path, source, schema, rows))
    names = [c.name for c in checked]
    if len(set(names)) != len(names):
        raise RestoreRefused("the manifest names a table twice")
    return checked


def _optional(column: Any) -> bool:
    field = column.field
    return bool(
        field.null
        or field.has_default()
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    )


def tables_with_data() -> list[str]:
    """The tables (and the usage store) that hold data; empty when a restore may go ahead.
    The rows data migrations seed into a fresh database (``SEEDED_TABLES``) do not count."""
    full = [
        t.name
        for t in export_tables()
        if t.label not in SEEDED_TABLES and t.model._base_manager.exists()
    ]
    store = EventStore(settings.USAGE_DIR)
    if store.files() or store.daily_files():
        full.append(f"usage store ({settings.USAGE_DIR})")
    return full


def _db_rows(checked: _Checked, frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    assert checked.table is not None
    fields = {c.name: c for c in checked.table.columns}
    json_at = [i for i, n in enumerate(frame.columns) if fields[n].is_json]
    for row in frame.iter_rows():
        if json_at:
            values = list(row)
            for i in json_at:
                if values[i] is not None:
                    values[i] = json.loads(values[i])
            row = tuple(values)
        yield row


@dataclass(frozen=True)
class RestoreResult:
    tables: tuple[TableCount, ...]


def export_restore(*, folder: Path, source: str = "parquet") -> RestoreResult:
    """Load the export in ``folder`` into this empty Kizuna (see the module's docstring).
    Raises ``RestoreRefused`` (nothing written) when a file does not match the manifest or
    the database already holds data."""
    if source not in {"parquet", "csv"}:
        raise ValueError(f"source must be parquet or csv, not {source!r}")
    checked = _check(folder, source)
    by_name = {c.name: c for c in checked}
    full = tables_with_data()
    if full:
        raise RestoreRefused("the database is not empty: " + ", ".join(full))
    counts: list[TableCount] = []
    with transaction.atomic():
        tables = export_tables()
        for table in reversed(tables):
            if table.label in SEEDED_TABLES:
                table.model._base_manager.all().delete()
        for table in tables:
            item = by_name.get(table.name)
            if item is None:
                counts.append(TableCount(table.name, 0))
                continue
            frame = _read(item)
            fields = list(frame.columns)
            rows: Iterator[tuple[Any, ...]] = _db_rows(item, frame)
            if table.label == "org.User":
                fields.append("password")
                rows = ((*row, make_password(None)) for row in rows)
            written = bulk_insert(table.model, fields, rows) if frame.height else 0
            counts.append(TableCount(table.name, written))
        statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        store = EventStore(settings.USAGE_DIR)
        for kind in (USAGE_EVENTS, USAGE_DAILY):
            item = by_name.get(kind)
            frame = _read(item) if item is not None else pl.DataFrame(schema=USAGE_SCHEMAS[kind])
            for (batch_id,), part in frame.partition_by("batch_id", as_dict=True).items():
                rest = part.drop("batch_id")
                if kind == USAGE_EVENTS:
                    store.write_batch(str(batch_id), rest)
                else:
                    store.write_daily(str(batch_id), rest)
            counts.append(TableCount(kind, frame.height))
    return RestoreResult(tuple(counts))
