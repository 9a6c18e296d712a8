"""Ingestion of usage events: validate, map account keys, quarantine the rest, store, roll up.

Every path (file import, HTTP batch, quarantine replay) goes through ``usage_ingest``; daily
totals (a warehouse, the demo) through ``usage_daily_ingest``. The batch id that names the
Parquet files is derived from the source and the batch key (the ``Idempotency-Key`` with the
body's hash, or a hash of the file / body), so a retried batch rewrites the same files, updates
the same run and is never counted twice, even when the first attempt died after writing them:
the rollups read only batches with a run record (``rollups.committed``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kizuna.apps.customers.models import Account
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.usage.models import (
    AccountKeyMapping,
    IdempotencyKey,
    IngestionRun,
    IngestionVia,
    QuarantinedEvent,
    UsagePendingDay,
    UsageSource,
)
from kizuna.apps.usage.services.rollups import EARLIEST_DAY, local_days, usage_rollup_days
from kizuna.core.usage.schema import (
    EventWindow,
    RejectedRow,
    UsageFileError,
    read_events,
    records_frame,
    validate_events,
)
from kizuna.core.usage.store import DAILY_SCHEMA, STORED_SCHEMA, EventStore

log = logging.getLogger("kizuna.usage")
#: how far ahead of now an event may be (clocks of customers' servers drift, zones differ)
FUTURE_SLACK = dt.timedelta(days=1)


def event_store() -> EventStore:
    return EventStore(settings.USAGE_DIR)


def usage_source_get(*, code: str) -> UsageSource:
    source, _created = UsageSource.objects.get_or_create(code=code, defaults={"name": code})
    return source


def event_window(*, now: dt.datetime | None = None) -> EventWindow:
    """The times an event may carry: from 2000-01-01 00:00 company time to one day after now.
    Anything else is a broken clock or a typo (year 1, 9999) and is rejected as
    ``timestamp_out_of_range``."""
    zone = zoneinfo.ZoneInfo(str(tenant_settings_get().time_zone))
    return EventWindow(
        earliest=dt.datetime.combine(EARLIEST_DAY, dt.time(), tzinfo=zone),
        latest=(now or timezone.now()) + FUTURE_SLACK,
    )


def batch_id_for(*, source: UsageSource, batch_key: str) -> str:
    return hashlib.sha256(f"{source.code}\0{batch_key}".encode()).hexdigest()[:40]


#: rows per batch of a file: part of the file's batch keys, so it is one number for every path
FILE_CHUNK_ROWS = 200_000


def file_batch_key(*, digest: str, chunk: int) -> str:
    """The batch key of the ``chunk``-th slice of ``FILE_CHUNK_ROWS`` rows of a file: the
    SHA-256 of its bytes (``digest``, hex) and the slice's number. The one rule for a file,
    whichever way it comes (the ``/usage/`` upload, ``kizuna usage import``), so the same file
    again is the same batches: one run each (``attempts``), counted once."""
    return f"{digest}:{chunk}"


@dataclass(frozen=True)
class FileImport:
    runs: list[IngestionRun]

    @property
    def stored(self) -> int:
        return sum(run.rows_stored for run in self.runs)

    @property
    def rejected(self) -> int:
        return sum(run.rows_rejected for run in self.runs)


def usage_file_import(
    *,
    source: UsageSource,
    data: bytes,
    file_format: str,
    name: str,
    actor: User | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FileImport:
    """Import a file (CSV, Parquet, JSON lines): every ``FILE_CHUNK_ROWS`` rows are one batch
    (``usage_ingest``, its own transaction) keyed by ``file_batch_key``. ``progress(done,
    total)`` is called after each batch. Raises ``UsageFileError`` when the file is unreadable
    or lacks a column (nothing is written)."""
    frame = read_events(data, file_format=file_format)
    digest = hashlib.sha256(data).hexdigest()
    total, runs = frame.height, []
    for index, offset in enumerate(range(0, max(total, 1), FILE_CHUNK_ROWS)):
        chunk = frame.slice(offset, FILE_CHUNK_ROWS)
        runs.append(
            usage_ingest(
                source=source,
                frame=chunk,
                via=IngestionVia.FILE,
                name=name,
                batch_key=file_batch_key(digest=digest, chunk=index),
                actor=actor,
                # the /usage/ upload keyed a whole file by its hash alone until this rule
                adopt_batch_key=digest if index == 0 else None,
            )
        )
        if progress is not None:
            progress(offset + chunk.height, total)
    return FileImport(runs)


@dataclass(frozen=True)
class _Mapped:
    known: pl.DataFrame
    rejected: list[RejectedRow]


def _map_accounts(source: UsageSource, valid: pl.DataFrame, rejected: list[RejectedRow]) -> _Mapped:
    keys = valid["account_key"].unique().to_list()
    mapping = dict(
        AccountKeyMapping.objects.filter(source=source, account_key__in=keys).values_list(
            "account_key", "account_id"
        )
    )
    mapped = valid.with_columns(
        pl.col("account_key")
        .replace_strict(mapping, default=None, return_dtype=pl.Int64)
        .alias("account_id")
    )
    unknown = mapped.filter(pl.col("account_id").is_null())
    rejected = rejected + [
        RejectedRow(
            line=int(row["line"]),
            reason="unknown_account",
            raw={
                k: (v.isoformat() if k == "occurred_at" else v)
                for k, v in row.items()
                if k not in {"line", "account_id"} and v is not None
            },
        )
        for row in unknown.to_dicts()
    ]
    return _Mapped(mapped.filter(pl.col("account_id").is_not_null()), rejected)


@transaction.atomic
def usage_ingest(
    *,
    source: UsageSource,
    frame: pl.DataFrame,
    via: str,
    name: str,
    batch_key: str,
    actor: User | None = None,
    extend_batch: str | None = None,
    defer_rollup: bool = False,
    adopt_batch_key: str | None = None,
) -> IngestionRun:
    """Validate ``frame`` (text columns from ``read_events`` / ``records_frame``), store the
    good rows of known accounts, quarantine every other row, roll up the days touched.

    The batch id derives from ``batch_key``: ingesting the same batch again replaces its files
    and **updates its run** (one run, ``attempts`` counted; files an interrupted attempt left
    are replaced and counted in ``recovered_files``), and the rows it quarantined before are
    dropped (they are quarantined again if they still fail). ``extend_batch`` (a replay) adds
    the good rows to that existing batch instead, as a run of its own.
    ``defer_rollup`` queues the touched days (``UsagePendingDay``) for the worker instead of
    rolling them up now (the HTTP API: many small batches of the same days).
    ``adopt_batch_key``: the key an earlier rule gave the same rows (``usage_file_import``);
    a batch recorded under it becomes this batch (its runs move here, its files stop counting
    and its days are rolled up again; the daily job removes those files later).
    Raises ``UsageFileError`` when the frame lacks a required column (nothing is written).
    """
    started = time.monotonic()
    batch = validate_events(frame, window=event_window())
    mapped = _map_accounts(source, batch.valid, list(batch.rejected))
    batch_id = extend_batch or batch_id_for(source=source, batch_key=batch_key)
    adopted = _adopt(source, batch_id, adopt_batch_key) if adopt_batch_key else set()
    if extend_batch is None:  # superseded: this batch's earlier rejects come back below
        QuarantinedEvent.objects.filter(
            run__source=source, run__batch_id=batch_id, replayed_at__isnull=True
        ).delete()
    run = _run_for(source, batch_id, via=via, name=name, actor=actor, new=extend_batch is not None)
    run.rows_in = batch.rows_in
    run.rows_stored = mapped.known.height
    run.rows_rejected = len(mapped.rejected)
    run.rejected_reasons = dict(Counter(r.reason for r in mapped.rejected))
    run.save()
    QuarantinedEvent.objects.bulk_create(
        (
            QuarantinedEvent(run=run, line=r.line, reason=r.reason, raw=r.raw)
            for r in mapped.rejected
        ),
        batch_size=2000,
    )
    days = _store(source, batch_id, mapped.known, extend=extend_batch is not None) | adopted
    if days and defer_rollup:
        usage_days_queue(days=days)
    elif days:
        usage_rollup_days(days=days)
    source.last_received_at = timezone.now()
    source.save(update_fields=["last_event_at", "last_received_at"])
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save(update_fields=["duration_ms"])
    return run


def _adopt(source: UsageSource, batch_id: str, old_key: str) -> set[dt.date]:
    """Move the runs of the batch ``old_key`` names to ``batch_id``; returns the company days
    of its files, which no longer count (no run names them) and must be rolled up again."""
    old_id = batch_id_for(source=source, batch_key=old_key)
    old_runs = IngestionRun.objects.filter(source=source, batch_id=old_id)
    if old_id == batch_id or not old_runs.exists():
        return set()
    old_rows = event_store().read_batch(old_id)
    old_runs.update(batch_id=batch_id)
    return local_days(old_rows["occurred_at"])


def _run_for(
    source: UsageSource, batch_id: str, *, via: str, name: str, actor: User | None, new: bool
) -> IngestionRun:
    """The run of this batch: its earlier run when the batch is ingested again (a retry, the
    same file), else a new one noting the files an interrupted attempt left behind."""
    earlier = None
    if not new:
        earlier = (
            IngestionRun.objects.select_for_update()
            .filter(source=source, batch_id=batch_id)
            .exclude(via=IngestionVia.REPLAY)
            .order_by("id")
            .first()
        )
    now = timezone.now()
    if earlier is not None:
        earlier.attempts += 1
        earlier.started_at, earlier.name, earlier.created_by = now, name[:300], actor
        return earlier
    left = 0 if new else len(event_store().batch_files(batch_id))
    return IngestionRun(
        source=source,
        via=via,
        name=name[:300],
        batch_id=batch_id,
        started_at=now,
        recovered_files=left,
        created_by=actor,
    )


def _store(
    source: UsageSource, batch_id: str, known: pl.DataFrame, *, extend: bool
) -> set[dt.date]:
    """Write the batch; returns the company days to roll up (those of the new rows and, when
    the batch replaces an earlier write, those of the rows it replaces)."""
    store = event_store()
    rows = known.select(list(STORED_SCHEMA))
    before = store.read_batch(batch_id)
    if extend:
        # a replayed row already in the batch was written by a replay that died before its
        # commit (the quarantine still lists it): keep that copy, do not add a second one
        added = rows.cast(STORED_SCHEMA).join(  # type: ignore[arg-type]
            before, on=list(STORED_SCHEMA), how="anti", nulls_equal=True
        )
        rows = pl.concat([before, added])
        before = before.clear()
    if rows.is_empty() and before.is_empty():
        return set()
    store.write_batch(batch_id, rows)
    if known.height:
        last_event = known["occurred_at"].max()
        assert isinstance(last_event, dt.datetime)
        if source.last_event_at is None or last_event > source.last_event_at:
            source.last_event_at = last_event
    return local_days(known["occurred_at"]) | local_days(before["occurred_at"])


@transaction.atomic
def usage_daily_ingest(
    *,
    source: UsageSource,
    totals: pl.DataFrame,
    name: str,
    batch_key: str,
    actor: User | None = None,
) -> IngestionRun:
    """Store per-account-day totals computed elsewhere (a warehouse running ``rollup_sql``, the
    demo) as one batch of the store of record, and roll up their days with the events of the
    same days. ``totals`` has the columns of ``DAILY_SCHEMA`` (``feature_counts`` a list of
    ``{feature, events}``; ``day`` a company day). The same ``batch_key`` again replaces the
    batch and updates its run. Raises ``UsageFileError``, writing nothing, when a row names no
    Kizuna account, a day outside 2000-01-01 … tomorrow or a negative count.
    """
    started = time.monotonic()
    frame = totals.select(list(DAILY_SCHEMA)).cast(DAILY_SCHEMA)  # type: ignore[arg-type]
    window = event_window()
    last = window.latest.astimezone(window.earliest.tzinfo).date()
    accounts = set(Account.objects.values_list("id", flat=True))
    counts = ("events", "quantity", "active_users")
    bad = frame.filter(
        (
            ~pl.col("account_id").is_in(list(accounts))
            | ~pl.col("day").is_between(EARLIEST_DAY, last)
            | pl.any_horizontal(pl.col(c) < 0 for c in counts)
        ).fill_null(True)
    )
    if bad.height:
        raise UsageFileError(
            f"{bad.height} rows name no account, a day outside {EARLIEST_DAY} … {last}"
            " or a negative count"
        )
    batch_id = batch_id_for(source=source, batch_key=batch_key)
    store = event_store()
    previous = store.daily_files()
    replaced = [p for p in previous if p.name == f"{batch_id}.parquet"]
    run = _run_for(source, batch_id, via=IngestionVia.DAILY, name=name, actor=actor, new=False)
    run.rows_in = run.rows_stored = frame.height
    run.save()
    days = store.write_daily(batch_id, frame)
    days |= {dt.date.fromisoformat(p.parent.name.removeprefix("day=")) for p in replaced}
    usage_rollup_days(days=days)
    source.last_received_at = timezone.now()
    source.save(update_fields=["last_received_at"])
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save(update_fields=["duration_ms"])
    return run


class IdempotencyConflict(Exception):
    """The ``Idempotency-Key`` was used before for a different body."""


@transaction.atomic
def usage_batch_receive(
    *,
    source: UsageSource,
    frame: pl.DataFrame,
    key: str,
    digest: str,
    actor: User | None,
) -> tuple[IngestionRun, bool]:
    """An HTTP batch: ``(run, replayed)``. With a ``key``, the key is **claimed before anything
    is written**: a concurrent request with the same key waits on the claim (a unique row) and
    then answers from the first batch (same body) or raises ``IdempotencyConflict``, having
    written nothing. The batch id includes the body's hash, so two bodies never share files.
    """
    claim = None
    if key:
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(
                    source=source, key=key, response={"digest": digest}
                )
        except IntegrityError:
            found = IdempotencyKey.objects.select_related("run").get(source=source, key=key)
            if found.response.get("digest") != digest or found.run is None:
                raise IdempotencyConflict(key) from None
            return found.run, True
    run = usage_ingest(
        source=source,
        frame=frame,
        via=IngestionVia.API,
        name=key or digest[:16],
        batch_key=f"{key}\0{digest}" if key else digest,
        actor=actor,
        defer_rollup=True,  # the worker rolls the days up within a minute
    )
    if claim is not None:
        claim.run = run
        claim.save(update_fields=["run"])
    return run, False


def usage_days_queue(*, days: Iterable[dt.date]) -> None:
    """Mark days for the next rollup; stamped after the batch's files were written, so a
    rollup that reads the queue later than the stamp also reads the files. A day that had
    failed is tried again."""
    now = timezone.now()
    UsagePendingDay.objects.bulk_create(
        [UsagePendingDay(day=day, queued_at=now) for day in sorted(set(days))],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["queued_at", "failed_at", "error"],
    )


def usage_rollup_pending() -> int:
    """Roll up every queued day; returns the days done. A day queued again while this ran (a
    later stamp) stays queued for the next pass.

    All days go in one pass; if that fails, each day is rolled up on its own, so one poisoned
    day fails **alone**: it stays queued with ``failed_at`` and its error (the ops page shows
    it) and is not tried again until new events queue it; the other days are done.
    """
    started = timezone.now()
    days = sorted(
        UsagePendingDay.objects.filter(queued_at__lte=started, failed_at__isnull=True).values_list(
            "day", flat=True
        )
    )
    if not days:
        return 0
    try:
        _rollup_queued(days, started)
        return len(days)
    except Exception as error:
        if len(days) == 1:
            usage_day_failed_mark(days[0], started, error)
            return 0
    done = 0
    for day in days:
        try:
            _rollup_queued([day], started)
            done += 1
        except Exception as error:
            usage_day_failed_mark(day, started, error)
    return done


@transaction.atomic
def _rollup_queued(days: list[dt.date], started: dt.datetime) -> None:
    usage_rollup_days(days=days)
    UsagePendingDay.objects.filter(day__in=days, queued_at__lte=started).delete()


def usage_day_failed_mark(day: dt.date, started: dt.datetime, error: Exception) -> None:
    """Mark a queued day failed with its error (unless queued again after ``started``)."""
    log.exception("usage rollup of %s failed", day, exc_info=error)
    UsagePendingDay.objects.filter(day=day, queued_at__lte=started).update(
        failed_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:1000]
    )


@transaction.atomic
def usage_quarantine_replay(
    *, actor: User | None, ids: list[int] | None = None
) -> list[IngestionRun]:
    """Ingest quarantined rows again (after the mapping was fixed), one run per original batch.

    The rows that pass now are **added to their original batch** (its files are rewritten with
    them), so importing the same file again later replaces that batch instead of counting the
    replayed rows a second time. Each replayed row is marked replayed; a row that still fails
    lands in the new run's quarantine, so nothing is lost.
    """
    pending = QuarantinedEvent.objects.filter(replayed_at__isnull=True).select_related(
        "run__source"
    )
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    by_batch: dict[tuple[int, str], list[QuarantinedEvent]] = {}
    for row in pending.select_for_update().order_by("id"):
        by_batch.setdefault((row.run.source_id, row.run.batch_id), []).append(row)
    runs = []
    for (_source_id, batch_id), rows in by_batch.items():
        QuarantinedEvent.objects.filter(pk__in=[row.pk for row in rows]).update(
            replayed_at=timezone.now()
        )
        records: list[Any] = [row.raw for row in rows]
        runs.append(
            usage_ingest(
                source=rows[0].run.source,
                frame=records_frame(records),
                via=IngestionVia.REPLAY,
                name=f"{len(rows)} quarantined rows",
                batch_key="",
                actor=actor,
                extend_batch=batch_id,
            )
        )
    return runs


@transaction.atomic
def account_key_map(*, source: UsageSource, account_key: str, account_id: int) -> AccountKeyMapping:
    mapping, _created = AccountKeyMapping.objects.update_or_create(
        source=source, account_key=account_key, defaults={"account_id": account_id}
    )
    return mapping
