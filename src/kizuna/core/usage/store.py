"""Usage events on disk: Parquet files partitioned by UTC day, written atomically.

Layout under ``root``::

    events/day=2026-11-24/<batch_id>.parquet   one file per batch and UTC day
    journal/<batch_id>.json                    present only while a batch is being committed

A batch is committed in three steps: (1) every file is written as ``.<name>.tmp`` and fsynced;
(2) a journal naming the files is written (temp + fsync + rename); (3) each temp file is renamed
to its final name, the directories fsynced and the journal removed. A crash before (2) leaves
only temp files, which are never read and are swept; a crash after (2) is rolled forward by
``recover()`` (run when the store opens). So a batch is either wholly readable or not at all.

The batch id is chosen by the caller and should be **deterministic** (a hash of the source and
the idempotency key or file content): writing the same batch again replaces its files, so a
retried import can never be counted twice.

Partitions are UTC days; a company-time-zone day overlaps at most the UTC days before, of and
after it (offsets stay within ±14 h), which ``utc_days_for`` returns.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import polars as pl

STORED_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.Int64(),
    "account_key": pl.String(),
    "user_id": pl.String(),
    "event": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
    "quantity": pl.Int64(),
    "properties": pl.String(),
}
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def utc_days_for(days: Iterable[dt.date]) -> set[dt.date]:
    """The UTC day partitions that can hold events of the given company-time-zone days."""
    one = dt.timedelta(days=1)
    return {d + shift for d in days for shift in (-one, dt.timedelta(0), one)}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, write: object) -> None:
    with path.open("wb") as handle:
        if isinstance(write, bytes):
            handle.write(write)
        else:
            assert isinstance(write, pl.DataFrame)
            write.write_parquet(handle, compression="zstd", statistics=True)
        handle.flush()
        os.fsync(handle.fileno())


class EventStore:
    """The store under ``root``; nothing is created on disk until a batch is written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.events_dir = root / "events"
        self.journal_dir = root / "journal"
        self.recover()

    def partition(self, day: dt.date) -> Path:
        return self.events_dir / f"day={day.isoformat()}"

    def write_batch(self, batch_id: str, events: pl.DataFrame) -> set[dt.date]:
        """Store ``events`` (``STORED_SCHEMA``) as one batch; returns the UTC days touched."""
        if not _BATCH_ID.match(batch_id):
            raise ValueError(f"bad batch id {batch_id!r}")
        if events.is_empty():
            return set()
        self.events_dir.mkdir(parents=True, exist_ok=True)
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        frame = events.select(list(STORED_SCHEMA)).cast(STORED_SCHEMA)  # type: ignore[arg-type]
        frame = frame.with_columns(pl.col("occurred_at").dt.date().alias("_day"))
        finals: list[str] = []
        days: set[dt.date] = set()
        for (day,), part in frame.sort("occurred_at").partition_by("_day", as_dict=True).items():
            assert isinstance(day, dt.date)
            folder = self.partition(day)
            folder.mkdir(exist_ok=True)
            final = folder / f"{batch_id}.parquet"
            _write_synced(final.with_name(f".{final.name}.tmp"), part.drop("_day"))
            finals.append(str(final.relative_to(self.root)))
            days.add(day)
        journal = self.journal_dir / f"{batch_id}.json"
        temp = journal.with_name(f".{journal.name}.tmp")
        _write_synced(temp, json.dumps({"files": finals}).encode())
        temp.rename(journal)
        _fsync_dir(self.journal_dir)
        self._roll_forward(journal)
        return days

    def _roll_forward(self, journal: Path) -> None:
        for name in json.loads(journal.read_text())["files"]:
            final = self.root / name
            temp = final.with_name(f".{final.name}.tmp")
            if temp.exists():
                temp.rename(final)
                _fsync_dir(final.parent)
        journal.unlink()
        _fsync_dir(self.journal_dir)

    def recover(self) -> None:
        """Finish batches whose journal was written; drop temp files of unfinished ones."""
        if not self.journal_dir.is_dir():
            return
        for journal in sorted(self.journal_dir.glob("*.json")):
            self._roll_forward(journal)
        for stale in self.journal_dir.glob(".*.tmp"):
            stale.unlink()
        for stale in self.events_dir.glob("day=*/.*.tmp"):
            stale.unlink()

    def read_batch(self, batch_id: str) -> pl.DataFrame:
        """Every committed row of one batch (empty with ``STORED_SCHEMA`` when there is none)."""
        paths = sorted(self.events_dir.glob(f"day=*/{batch_id}.parquet"))
        if not paths:
            return pl.DataFrame(schema=STORED_SCHEMA)
        return pl.read_parquet(paths, hive_partitioning=False).cast(STORED_SCHEMA)  # type: ignore[arg-type]

    def files(self, utc_days: Iterable[dt.date] | None = None) -> list[Path]:
        """Committed files of the given UTC days (all days when None), in a stable order."""
        if utc_days is None:
            return sorted(self.events_dir.glob("day=*/*.parquet"))
        found: list[Path] = []
        for day in sorted(set(utc_days)):
            found.extend(sorted(self.partition(day).glob("*.parquet")))
        return found

    def days(self) -> list[dt.date]:
        """The UTC days that hold at least one committed file."""
        return sorted(
            dt.date.fromisoformat(p.name.removeprefix("day="))
            for p in self.events_dir.glob("day=*")
            if any(p.glob("*.parquet"))
        )
