"""Usage on disk: Parquet files partitioned by day, written atomically, one batch at a time.

Layout under ``root``::

    events/day=2026-11-24/<batch_id>.parquet   raw events: one file per batch and UTC day
    daily/day=2026-11-24/<batch_id>.parquet    daily totals (``DAILY_SCHEMA``): one file per
                                               batch and company day (a warehouse, the demo)
    journal/<batch_id>.json                    present only while a batch is being committed

The store is the **store of record** of usage: every ``UsageDay`` row is recomputed from it,
raw events and daily totals together, so a rollup never has to guess which rows it may replace.

A batch is committed in three steps: (1) every file is written as ``.<name>.tmp`` and fsynced;
(2) a journal naming the files, and the files of an earlier write of the same batch that the
new one no longer has, is written (temp + fsync + rename); (3) each temp file is renamed to its
final name, the old files removed, the directories fsynced and the journal removed. A crash
before (2) leaves only temp files, which are never read and are swept; a crash after (2) is
rolled forward by ``recover()`` (run when the store opens). So a batch is either wholly
readable or not at all, and a batch written again is wholly replaced.

The batch id is chosen by the caller and should be **deterministic** (a hash of the source and
the idempotency key or file content): writing the same batch again replaces its files, so a
retried import can never be counted twice. Which batches count is the caller's decision: the
apps count only batches with a committed run record (see
``kizuna.apps.usage.services.rollups``), so the files of an attempt that died before its record
are never read.

Files whose batch never got its run record (an attempt that died and was never retried) are
left on disk, uncounted; the apps remove them once every file of the batch is older than a day
(``remove_batch``). Writing, recovering and removing hold the store's lock (``flock`` on
``.lock`` under ``root``; processes of one machine), so none of them sees another's half-done
work: a retry that rewrites a batch while it is being removed either finishes first (its files
are then new, and kept) or writes after the removal.

Event partitions are UTC days; a company-time-zone day overlaps at most the UTC days before, of
and after it (offsets stay within ±14 h), which ``utc_days_for`` returns.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
#: one account's totals on one company day, loaded as they are (no raw events behind them).
DAILY_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.Int64(),
    "day": pl.Date(),
    "events": pl.Int64(),
    "quantity": pl.Int64(),
    "active_users": pl.Int64(),
    "feature_counts": pl.List(pl.Struct({"feature": pl.String(), "events": pl.Int64()})),
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
        self.daily_dir = root / "daily"
        self.journal_dir = root / "journal"
        self.recover()

    def partition(self, day: dt.date) -> Path:
        return self.events_dir / f"day={day.isoformat()}"

    def write_batch(self, batch_id: str, events: pl.DataFrame) -> set[dt.date]:
        """Store ``events`` (``STORED_SCHEMA``) as one batch, replacing every file an earlier
        write of ``batch_id`` left; returns the UTC days touched."""
        _check_batch_id(batch_id)
        frame = events.select(list(STORED_SCHEMA)).cast(STORED_SCHEMA)  # type: ignore[arg-type]
        frame = frame.sort("occurred_at").with_columns(
            pl.col("occurred_at").dt.date().alias("_day")
        )
        return self._commit(self.events_dir, batch_id, frame)

    def write_daily(self, batch_id: str, totals: pl.DataFrame) -> set[dt.date]:
        """Store daily totals (``DAILY_SCHEMA``, ``day`` a company day) as one batch, replacing
        an earlier write of ``batch_id``; returns the days touched."""
        _check_batch_id(batch_id)
        frame = totals.select(list(DAILY_SCHEMA)).cast(DAILY_SCHEMA)  # type: ignore[arg-type]
        return self._commit(
            self.daily_dir, batch_id, frame.with_columns(pl.col("day").alias("_day"))
        )

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The store's lock, held while files are written, rolled forward or removed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _commit(self, kind_dir: Path, batch_id: str, frame: pl.DataFrame) -> set[dt.date]:
        with self._locked():
            return self._commit_locked(kind_dir, batch_id, frame)

    def _commit_locked(self, kind_dir: Path, batch_id: str, frame: pl.DataFrame) -> set[dt.date]:
        before = {str(p.relative_to(self.root)) for p in kind_dir.glob(f"day=*/{batch_id}.parquet")}
        if frame.is_empty() and not before:
            return set()
        kind_dir.mkdir(parents=True, exist_ok=True)
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        finals: list[str] = []
        days: set[dt.date] = set()
        for (day,), part in frame.partition_by("_day", as_dict=True).items():
            assert isinstance(day, dt.date)
            folder = kind_dir / f"day={day.isoformat()}"
            folder.mkdir(exist_ok=True)
            final = folder / f"{batch_id}.parquet"
            _write_synced(final.with_name(f".{final.name}.tmp"), part.drop("_day"))
            finals.append(str(final.relative_to(self.root)))
            days.add(day)
        journal = self.journal_dir / f"{batch_id}.json"
        temp = journal.with_name(f".{journal.name}.tmp")
        payload = {"files": finals, "remove": sorted(before - set(finals))}
        _write_synced(temp, json.dumps(payload).encode())
        temp.rename(journal)
        _fsync_dir(self.journal_dir)
        self._roll_forward(journal)
        return days

    def _roll_forward(self, journal: Path) -> None:
        payload = json.loads(journal.read_text())
        for name in payload["files"]:
            final = self.root / name
            temp = final.with_name(f".{final.name}.tmp")
            if temp.exists():
                temp.rename(final)
                _fsync_dir(final.parent)
        for name in payload.get("remove", []):
            old = self.root / name
            if old.exists():
                old.unlink()
                _fsync_dir(old.parent)
        journal.unlink()
        _fsync_dir(self.journal_dir)

    def recover(self) -> None:
        """Finish batches whose journal was written; drop temp files of unfinished ones."""
        if not self.journal_dir.is_dir():
            return
        with self._locked():
            self._recover_locked()

    def _recover_locked(self) -> None:
        for journal in sorted(self.journal_dir.glob("*.json")):
            self._roll_forward(journal)
        for stale in self.journal_dir.glob(".*.tmp"):
            stale.unlink()
        for kind_dir in (self.events_dir, self.daily_dir):
            for stale in kind_dir.glob("day=*/.*.tmp"):
                stale.unlink()

    def read_batch(self, batch_id: str) -> pl.DataFrame:
        """Every committed row of one batch (empty with ``STORED_SCHEMA`` when there is none)."""
        paths = sorted(self.events_dir.glob(f"day=*/{batch_id}.parquet"))
        if not paths:
            return pl.DataFrame(schema=STORED_SCHEMA)
        return pl.read_parquet(paths, hive_partitioning=False).cast(STORED_SCHEMA)  # type: ignore[arg-type]

    def batch_files(self, batch_id: str) -> list[Path]:
        """The committed files of one batch, events and daily totals."""
        return sorted(
            [
                *self.events_dir.glob(f"day=*/{batch_id}.parquet"),
                *self.daily_dir.glob(f"day=*/{batch_id}.parquet"),
            ]
        )

    def batches(self) -> dict[str, list[Path]]:
        """Every file on disk (events and daily totals, committed run or not) by batch id."""
        found: dict[str, list[Path]] = {}
        for path in [*_files(self.events_dir, None), *_files(self.daily_dir, None)]:
            found.setdefault(batch_of(path), []).append(path)
        return found

    def remove_batch(self, batch_id: str, *, written_before: float) -> int:
        """Remove every file of ``batch_id`` if each was last written before ``written_before``
        (a POSIX time); returns the files removed, 0 when one of them is newer (a retry is
        rewriting the batch: keep it all). The caller decides that the batch is not counted."""
        _check_batch_id(batch_id)
        with self._locked():
            paths = self.batch_files(batch_id)
            if not paths or any(p.stat().st_mtime >= written_before for p in paths):
                return 0
            for path in paths:
                path.unlink()
            for folder in {p.parent for p in paths}:
                _fsync_dir(folder)
            return len(paths)

    def files(self, utc_days: Iterable[dt.date] | None = None) -> list[Path]:
        """Committed event files of the given UTC days (all when None), in a stable order."""
        return _files(self.events_dir, utc_days)

    def daily_files(self, days: Iterable[dt.date] | None = None) -> list[Path]:
        """Committed daily-total files of the given company days (all when None)."""
        return _files(self.daily_dir, days)

    def days(self) -> list[dt.date]:
        """The UTC days that hold at least one committed event file."""
        return _days(self.events_dir)

    def daily_days(self) -> list[dt.date]:
        """The company days that hold at least one committed daily-total file."""
        return _days(self.daily_dir)


def _check_batch_id(batch_id: str) -> None:
    if not _BATCH_ID.match(batch_id):
        raise ValueError(f"bad batch id {batch_id!r}")


def batch_of(path: Path) -> str:
    """The batch id of a committed file."""
    return path.name.removesuffix(".parquet")


def _files(kind_dir: Path, days: Iterable[dt.date] | None) -> list[Path]:
    if days is None:
        return sorted(kind_dir.glob("day=*/*.parquet"))
    found: list[Path] = []
    for day in sorted(set(days)):
        found.extend(sorted((kind_dir / f"day={day.isoformat()}").glob("*.parquet")))
    return found


def _days(kind_dir: Path) -> list[dt.date]:
    return sorted(
        dt.date.fromisoformat(p.name.removeprefix("day="))
        for p in kind_dir.glob("day=*")
        if any(p.glob("*.parquet"))
    )
