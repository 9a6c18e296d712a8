"""The Parquet event store: partitions by UTC day, atomic batches, idempotent rewrites."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from kizuna.core.usage.store import EventStore, utc_days_for

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
