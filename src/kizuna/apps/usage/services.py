"""Ingestion of usage events: validate, map account keys, quarantine the rest, store, roll up.

Every path (file import, HTTP batch, quarantine replay) goes through ``usage_ingest``. The batch
id that names the Parquet files is derived from the source and the batch key (the
``Idempotency-Key``, or a hash of the file / body), so a retried batch rewrites the same files
and is never counted twice, even when the first attempt died after writing them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kizuna.apps.org.models import User
from kizuna.apps.usage.models import (
    AccountKeyMapping,
    IngestionRun,
    IngestionVia,
    QuarantinedEvent,
    UsagePendingDay,
    UsageSource,
)
from kizuna.apps.usage.rollups import local_days, usage_rollup_days
from kizuna.core.usage.schema import RejectedRow, records_frame, validate_events
from kizuna.core.usage.store import STORED_SCHEMA, EventStore


def event_store() -> EventStore:
    return EventStore(settings.USAGE_DIR)


def usage_source_get(*, code: str) -> UsageSource:
    source, _created = UsageSource.objects.get_or_create(code=code, defaults={"name": code})
    return source


def batch_id_for(*, source: UsageSource, batch_key: str) -> str:
    return hashlib.sha256(f"{source.code}\0{batch_key}".encode()).hexdigest()[:40]


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
) -> IngestionRun:
    """Validate ``frame`` (text columns from ``read_events`` / ``records_frame``), store the
    good rows of known accounts, quarantine every other row, roll up the days touched.

    The batch id derives from ``batch_key``: ingesting the same batch again replaces its files,
    and the rows it quarantined before are dropped (they are quarantined again if they still
    fail). ``extend_batch`` (a replay) adds the good rows to that existing batch instead.
    ``defer_rollup`` queues the touched days (``UsagePendingDay``) for the worker instead of
    rolling them up now (the HTTP API: many small batches of the same days).
    Raises ``UsageFileError`` when the frame lacks a required column (nothing is written).
    """
    started = time.monotonic()
    batch = validate_events(frame)
    mapped = _map_accounts(source, batch.valid, list(batch.rejected))
    batch_id = extend_batch or batch_id_for(source=source, batch_key=batch_key)
    if extend_batch is None:  # superseded: this batch's earlier rejects come back below
        QuarantinedEvent.objects.filter(
            run__source=source, run__batch_id=batch_id, replayed_at__isnull=True
        ).delete()
    run = IngestionRun.objects.create(
        source=source,
        via=via,
        name=name[:300],
        batch_id=batch_id,
        started_at=timezone.now(),
        rows_in=batch.rows_in,
        rows_stored=mapped.known.height,
        rows_rejected=len(mapped.rejected),
        rejected_reasons=dict(Counter(r.reason for r in mapped.rejected)),
        created_by=actor,
    )
    QuarantinedEvent.objects.bulk_create(
        (
            QuarantinedEvent(run=run, line=r.line, reason=r.reason, raw=r.raw)
            for r in mapped.rejected
        ),
        batch_size=2000,
    )
    if mapped.known.height:
        _store(source, batch_id, mapped.known, extend=extend_batch is not None)
        days = local_days(mapped.known["occurred_at"])
        if defer_rollup:
            usage_days_queue(days=days)
        else:
            usage_rollup_days(days=days)
    source.last_received_at = timezone.now()
    source.save(update_fields=["last_event_at", "last_received_at"])
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save(update_fields=["duration_ms"])
    return run


def _store(source: UsageSource, batch_id: str, known: pl.DataFrame, *, extend: bool) -> None:
    store = event_store()
    rows = known.select(list(STORED_SCHEMA))
    if extend:
        rows = pl.concat([store.read_batch(batch_id), rows.cast(STORED_SCHEMA)])  # type: ignore[arg-type]
    store.write_batch(batch_id, rows)
    last_event = known["occurred_at"].max()
    assert isinstance(last_event, dt.datetime)
    if source.last_event_at is None or last_event > source.last_event_at:
        source.last_event_at = last_event


def usage_days_queue(*, days: Iterable[dt.date]) -> None:
    """Mark days for the next rollup; stamped after the batch's files were written, so a
    rollup that reads the queue later than the stamp also reads the files."""
    now = timezone.now()
    UsagePendingDay.objects.bulk_create(
        [UsagePendingDay(day=day, queued_at=now) for day in sorted(set(days))],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["queued_at"],
    )


@transaction.atomic
def usage_rollup_pending() -> int:
    """Roll up every queued day in one pass; returns the days done. A day queued again while
    this ran (a later stamp) stays queued for the next pass."""
    started = timezone.now()
    days = list(
        UsagePendingDay.objects.filter(queued_at__lte=started).values_list("day", flat=True)
    )
    if not days:
        return 0
    usage_rollup_days(days=days)
    UsagePendingDay.objects.filter(day__in=days, queued_at__lte=started).delete()
    return len(days)


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
