"""Validation keeps every bad row with its line and reason, and loses no good row."""

from __future__ import annotations

import datetime as dt
import io
import json

import polars as pl
import pytest
from tests.core.usage.conftest import FIXTURE

from kizuna.core.usage.schema import (
    MAX_LINE_BYTES,
    EventWindow,
    UsageFileError,
    read_events,
    records_frame,
    validate_events,
)


def test_it_keeps_good_rows_and_explains_each_bad_one() -> None:
    # given / when
    batch = validate_events(read_events(FIXTURE, file_format="csv"))
    # then
    assert batch.valid["line"].to_list() == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert [(r.line, r.reason) for r in batch.rejected] == [
        (11, "missing_account_key"),
        (12, "naive_timestamp"),
        (13, "bad_timestamp"),
        (14, "bad_quantity"),
        (15, "bad_properties"),
    ]
    assert batch.rejected[1].raw["occurred_at"] == "2026-03-03 12:00:00"
    assert batch.rows_in == 14
    # quantity defaults to 1; times become UTC instants
    first = batch.valid.row(0, named=True)
    assert first["quantity"] == 1
    assert first["occurred_at"].isoformat() == "2026-03-01T14:59:00+00:00"


def test_it_rejects_a_file_without_the_required_columns() -> None:
    data = b"account,user,when\nacme,u1,2026-03-01T00:00:00Z\n"
    with pytest.raises(UsageFileError, match="missing column\\(s\\): account_key, user_id, event"):
        validate_events(read_events(data, file_format="csv"))


def test_it_rejects_a_ragged_csv_with_a_clear_error() -> None:
    data = b"account_key,user_id,event,occurred_at\nacme,u1,login,2026-03-01T00:00:00Z,extra\n"
    with pytest.raises(UsageFileError, match="cannot read the csv file"):
        read_events(data, file_format="csv")


def test_it_reads_json_lines_keeping_bad_and_huge_lines() -> None:
    good = {"account_key": "a", "user_id": "u", "event": "e", "occurred_at": "2026-03-01T00:00Z"}
    huge = json.dumps({**good, "properties": {"x": "y" * MAX_LINE_BYTES}})
    data = "\n".join([json.dumps(good), "{not json", "", huge, json.dumps([1])]).encode()
    # when
    batch = validate_events(read_events(data, file_format="jsonl"))
    # then: "2026-03-01T00:00Z" has no seconds: a bad timestamp, not a lost row
    assert [(r.line, r.reason) for r in batch.rejected] == [
        (1, "bad_timestamp"),
        (2, "bad_json"),
        (4, "line_too_long"),
        (5, "bad_json"),
    ]
    assert batch.valid.height == 0


def test_it_reads_parquet_with_aware_and_naive_timestamps() -> None:
    frame = pl.DataFrame(
        {
            "account_key": ["a", "b"],
            "user_id": ["u", "v"],
            "event": ["e", "e"],
            "occurred_at": pl.Series(
                ["2026-03-01T00:00:00", "2026-03-01T01:00:00"]
            ).str.to_datetime(),
        }
    )
    aware, naive = io.BytesIO(), io.BytesIO()
    frame.with_columns(pl.col("occurred_at").dt.replace_time_zone("Asia/Tokyo")).write_parquet(
        aware
    )
    frame.write_parquet(naive)
    # when
    ok = validate_events(read_events(aware.getvalue(), file_format="parquet"))
    bad = validate_events(read_events(naive.getvalue(), file_format="parquet"))
    # then
    assert ok.valid["occurred_at"].dt.hour().to_list() == [15, 16]
    assert [r.reason for r in bad.rejected] == ["naive_timestamp", "naive_timestamp"]


def test_api_records_are_validated_with_their_position() -> None:
    records = [
        {
            "account_key": "a",
            "user_id": 7,
            "event": "e",
            "occurred_at": "2026-03-01T09:00:00+09:00",
        },
        "not an object",
        {
            "account_key": "a",
            "user_id": "u",
            "event": "x" * 201,
            "occurred_at": "2026-03-01T09:00:00Z",
        },
    ]
    batch = validate_events(records_frame(records))
    assert batch.valid["user_id"].to_list() == ["7"]
    assert [(r.line, r.reason) for r in batch.rejected] == [(2, "bad_json"), (3, "too_long")]


def test_times_outside_the_window_are_rejected_with_their_reason() -> None:
    # given: a window from 2000-01-01 00:00 Tokyo to 2026-11-30 00:00 UTC
    tokyo = dt.timezone(dt.timedelta(hours=9))
    window = EventWindow(
        earliest=dt.datetime(2000, 1, 1, tzinfo=tokyo),
        latest=dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
    )
    times = [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59+09:00",
        "1999-12-31T23:59:59+09:00",  # one second early
        "2000-01-01T00:00:00+09:00",  # the first instant taken
        "2026-11-30T00:00:00Z",  # the last instant taken
        "2026-11-30T00:00:01Z",  # one second late
    ]
    records = [{"account_key": "a", "user_id": "u", "event": "e", "occurred_at": t} for t in times]
    # when
    batch = validate_events(records_frame(records), window=window)
    # then
    assert batch.valid["line"].to_list() == [4, 5]
    assert [(r.line, r.reason) for r in batch.rejected] == [
        (1, "timestamp_out_of_range"),
        (2, "timestamp_out_of_range"),
        (3, "timestamp_out_of_range"),
        (6, "timestamp_out_of_range"),
    ]
    # and typed instants (a Parquet file) alike
    typed = pl.DataFrame(
        {
            "line": [1, 2],
            "account_key": ["a", "a"],
            "user_id": ["u", "u"],
            "event": ["e", "e"],
            "occurred_at": [
                dt.datetime(1, 1, 1, tzinfo=dt.UTC),
                dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
            ],
        }
    )
    assert [r.reason for r in validate_events(typed, window=window).rejected] == [
        "timestamp_out_of_range"
    ]
