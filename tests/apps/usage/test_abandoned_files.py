"""Files left by interrupted attempts that are never retried: counted nowhere, listed on the
ops page, and removed by the daily job once older than a day; a committed batch's files and
those of an attempt in progress are never removed."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path

import polars as pl
import pytest
from django.test import Client
from django.utils import timezone

from kizuna.apps.usage.models import IngestionRun, UsageDay, UsageSource
from kizuna.apps.usage.selectors import ABANDONED_AFTER, usage_abandoned_files
from kizuna.apps.usage.services import upkeep
from kizuna.apps.usage.services.ingestion import batch_id_for, usage_ingest
from kizuna.apps.usage.services.upkeep import usage_abandoned_files_sweep
from kizuna.apps.usage.tasks import refresh_summaries
from kizuna.core.usage.schema import records_frame
from kizuna.core.usage.store import EventStore
from tests.apps.usage.conftest import event
from tests.factories import World

D = dt.date(2026, 3, 2)


def stored(world: World, at: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": [world.account.pk],
            "account_key": ["yamada"],
            "user_id": ["u1"],
            "event": ["expense.create"],
            "occurred_at": [dt.datetime.fromisoformat(at).astimezone(dt.UTC)],
            "quantity": [1],
            "properties": [None],
        }
    )


def age(store: EventStore, batch_id: str, hours: float) -> None:
    """Make every file of the batch look written ``hours`` ago."""
    when = time.time() - hours * 3600
    for path in store.batch_files(batch_id):
        os.utime(path, (when, when))


@pytest.fixture
def store(usage_dir: Path) -> EventStore:
    return EventStore(usage_dir)


@pytest.fixture
def batches(world: World, source: UsageSource, store: EventStore) -> dict[str, str]:
    """A committed batch (2 days old), an attempt that died 25 h ago and was never retried
    (files on two days), and one that is in progress (files written a minute ago, no run yet)."""
    usage_ingest(
        source=source, frame=records_frame([event()]), via="file", name="ok", batch_key="ok"
    )
    ids = {
        name: batch_id_for(source=source, batch_key=name) for name in ("ok", "died", "in-progress")
    }
    age(store, ids["ok"], 48)
    died = pl.concat(
        [stored(world, "2026-03-02T10:00:00+09:00"), stored(world, "2026-03-04T10:00:00+09:00")]
    )
    store.write_batch(ids["died"], died)
    age(store, ids["died"], 25)
    store.write_batch(ids["in-progress"], stored(world, "2026-03-02T11:00:00+09:00"))
    age(store, ids["in-progress"], 1 / 60)
    return ids


def admin_page(world: World) -> str:
    world.admin.language = "en"
    world.admin.save(update_fields=["language"])
    client = Client()
    client.force_login(world.admin)
    return client.get("/usage/").content.decode()


def test_the_ops_page_counts_the_files_waiting_to_be_removed(
    world: World, batches: dict[str, str]
) -> None:
    html = admin_page(world)
    assert (
        "3 files left by interrupted imports (never counted) wait to be removed;"
        " 2 older than 24 h are removed by the daily job." in html
    )


def test_the_daily_job_removes_old_uncommitted_files_only(
    world: World, batches: dict[str, str], store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    # when: the daily job runs
    with caplog.at_level(logging.INFO, logger="kizuna.usage"):
        report = refresh_summaries.call(D.isoformat())
    # then: the dead attempt's two files are gone; the committed batch and the attempt in
    # progress keep theirs; one line says so
    assert store.batch_files(batches["died"]) == []
    assert len(store.batch_files(batches["ok"])) == 1
    assert len(store.batch_files(batches["in-progress"])) == 1
    assert "2 files of interrupted imports removed" in report
    lines = [r.getMessage() for r in caplog.records if "interrupted attempts" in r.getMessage()]
    assert lines == [
        "usage: removed 2 files of 1 batches left by interrupted attempts (older than"
        " 24 h); 1 files wait"
    ]
    # the committed events still count; the page now shows only the one in progress
    assert UsageDay.objects.get(account=world.account, day=D).events == 1
    assert "1 file left by interrupted imports (never counted) waits to be removed;" in (
        admin_page(world)
    )


def test_a_committed_batch_is_never_removed_however_old(
    world: World, source: UsageSource, store: EventStore
) -> None:
    # given: a committed batch whose files are a year old, and a replay run of it
    usage_ingest(
        source=source, frame=records_frame([event()]), via="file", name="ok", batch_key="ok"
    )
    batch_id = batch_id_for(source=source, batch_key="ok")
    age(store, batch_id, 24 * 365)
    # when
    removed = usage_abandoned_files_sweep(now=timezone.now() + dt.timedelta(days=365))
    # then
    assert removed == 0
    assert len(store.batch_files(batch_id)) == 1
    assert UsageDay.objects.get(account=world.account).events == 1


def test_a_batch_a_retry_is_rewriting_is_kept(
    world: World, batches: dict[str, str], store: EventStore
) -> None:
    # given: one of the dead attempt's files was just rewritten (a retry under way)
    (first, _second) = store.batch_files(batches["died"])
    os.utime(first, None)
    # when
    removed = usage_abandoned_files_sweep()
    # then: the whole batch is kept
    assert removed == 0
    assert len(store.batch_files(batches["died"])) == 2


def test_a_batch_committed_after_the_listing_is_kept(
    world: World,
    source: UsageSource,
    batches: dict[str, str],
    store: EventStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: the sweep listed the dead attempt as due, then its run was committed (the old
    # import finally retried with nothing new to write)
    listing = usage_abandoned_files()
    assert batches["died"] in listing.due_batches
    monkeypatch.setattr(upkeep, "usage_abandoned_files", lambda now: listing)
    IngestionRun.objects.create(
        source=source, via="file", batch_id=batches["died"], started_at=timezone.now()
    )
    # when
    removed = usage_abandoned_files_sweep()
    # then
    assert removed == 0
    assert len(store.batch_files(batches["died"])) == 2


def test_the_age_is_a_day() -> None:
    assert dt.timedelta(hours=24) == ABANDONED_AFTER
