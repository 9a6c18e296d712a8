"""The Parquet event store: partitions by UTC day, atomic batches, idempotent rewrites."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from kizuna.core.usage.store import EventStore, batch_of, utc_days_for

D = dt.date


def test_it_partitions_by_utc_day_and_rewrites_a_batch_in_place(
    tmp_path: Path, fixture_events: pl.DataFrame
) -> None:
    store = EventStore(tmp_path)
    # when: the same batch twice (a retry)
    days = store.write_batch("batch-1", fixture_events)
    store.write_batch("batch-1", fixture_events)
    # then
    assert days == {D(2026, 2, 28), D(2026, 3, 1), D(2026, 3, 2), D(2026, 3, 3)}
    assert store.days() == sorted(days)
    stored = pl.read_parquet(store.files())
    assert stored.height == fixture_events.height == 9


def test_a_crash_before_the_journal_leaves_nothing_readable(
    tmp_path: Path, fixture_events: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the journal write fails (the process dies) after the data files were written
    store = EventStore(tmp_path)
    monkeypatch.setattr(Path, "rename", _fail)
    with pytest.raises(OSError, match="crash"):
        store.write_batch("batch-1", fixture_events)
    monkeypatch.undo()
    # when: the store is opened again
    reopened = EventStore(tmp_path)
    # then: no half batch, no leftovers
    assert reopened.files() == []
    assert list(tmp_path.rglob("*.tmp")) == []


def test_a_crash_after_the_journal_is_rolled_forward(
    tmp_path: Path, fixture_events: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EventStore(tmp_path)
    monkeypatch.setattr(EventStore, "_roll_forward", lambda self, journal: None)
    store.write_batch("batch-1", fixture_events)
    assert store.files() == []  # journal written, files not yet renamed
    monkeypatch.undo()
    # when
    reopened = EventStore(tmp_path)
    # then: the whole batch, once
    assert pl.read_parquet(reopened.files()).height == 9
    assert list((tmp_path / "journal").iterdir()) == []


def test_files_of_utc_days_cover_a_company_day() -> None:
    assert utc_days_for([D(2026, 3, 2)]) == {D(2026, 3, 1), D(2026, 3, 2), D(2026, 3, 3)}


def test_a_batch_id_is_a_file_name_never_a_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bad batch id"):
        EventStore(tmp_path).write_batch("../x", pl.DataFrame({"a": [1]}))


def _fail(self: Path, target: object) -> Path:
    raise OSError("crash")


def test_journal_format_is_plain_json(tmp_path: Path, fixture_events: pl.DataFrame) -> None:
    store = EventStore(tmp_path)
    journal = tmp_path / "journal" / "b.json"
    journal.parent.mkdir()
    journal.write_text(json.dumps({"files": []}))
    store.recover()
    assert not journal.exists()


def test_writing_a_batch_again_removes_the_files_it_no_longer_has(
    tmp_path: Path, fixture_events: pl.DataFrame
) -> None:
    # given: a batch over four UTC days (say, an attempt that died before its record)
    store = EventStore(tmp_path)
    store.write_batch("batch-1", fixture_events)
    assert len(store.batch_files("batch-1")) == 4
    # when: the batch is written again with the rows of one day only, then with none
    one_day = fixture_events.filter(pl.col("occurred_at").dt.date() == D(2026, 3, 2))
    store.write_batch("batch-1", one_day)
    # then: only that day's file is left, holding only those rows
    assert [p.parent.name for p in store.batch_files("batch-1")] == ["day=2026-03-02"]
    assert store.read_batch("batch-1").height == one_day.height
    store.write_batch("batch-1", one_day.clear())
    assert store.batch_files("batch-1") == []


def test_daily_totals_are_stored_by_company_day_beside_the_events(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    totals = pl.DataFrame(
        {
            "account_id": [1, 2],
            "day": [D(2026, 3, 1), D(2026, 3, 2)],
            "events": [3, 4],
            "quantity": [3, 4],
            "active_users": [1, 2],
            "feature_counts": [[{"feature": "expense", "events": 3}], []],
        }
    )
    # when
    days = store.write_daily("dwh-1", totals)
    # then
    assert days == {D(2026, 3, 1), D(2026, 3, 2)}
    assert store.daily_days() == [D(2026, 3, 1), D(2026, 3, 2)]
    assert store.files() == [] and store.days() == []
    assert [batch_of(p) for p in store.daily_files([D(2026, 3, 2)])] == ["dwh-1"]
    assert pl.read_parquet(store.daily_files())["events"].sum() == 7
