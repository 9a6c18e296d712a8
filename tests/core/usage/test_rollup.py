"""The daily rollup on DuckDB: exact figures, company-time-zone day boundaries."""

from __future__ import annotations

import datetime as dt

import polars as pl
from tests.core.usage.conftest import CATALOG

from kizuna.core.usage.rollup import RollupWindow, rollup_duckdb, rollup_sql
from kizuna.core.usage.schema import records_frame, validate_events

D = dt.date
WINDOW = RollupWindow(tz="Asia/Tokyo", first_day=D(2026, 2, 28), last_day=D(2026, 3, 3))


def test_it_rolls_up_the_fixture_per_account_and_tokyo_day(fixture_events: pl.DataFrame) -> None:
    # when
    result = rollup_duckdb(fixture_events, catalog=CATALOG, window=WINDOW)
    # then: (account, day, events, quantity, active users, features)
    assert result.daily.sort("account_id", "day").rows() == [
        (1, D(2026, 3, 1), 1, 1, 1, 0),
        (1, D(2026, 3, 2), 3, 4, 2, 2),
        (1, D(2026, 3, 3), 1, 1, 1, 0),
        (2, D(2026, 2, 28), 1, 1, 1, 1),
        (2, D(2026, 3, 1), 1, 5, 1, 1),
        (2, D(2026, 3, 3), 2, 2, 1, 1),
    ]
    assert result.feature_daily.sort("account_id", "day", "feature").rows() == [
        (1, D(2026, 3, 2), "expense", 2),
        (1, D(2026, 3, 2), "expense_approval", 1),
        (2, D(2026, 2, 28), "card_scan", 1),
        (2, D(2026, 3, 1), "card_scan", 1),
        (2, D(2026, 3, 3), "card_share", 1),
    ]
    assert result.window_users.select("account_id", "active_users").rows() == [(1, 3), (2, 2)]
    assert [t.isoformat() for t in result.window_users["last_seen_at"]] == [
        "2026-03-02T23:00:00+00:00",
        "2026-03-03T14:59:59+00:00",
    ]
    assert result.top_users.rows() == [
        (1, "u1", 2, 1),
        (1, "u2", 2, 2),
        (1, "u3", 1, 3),
        (2, "v1", 2, 1),
        (2, "v2", 2, 2),
    ]


def _two_events() -> pl.DataFrame:
    records = [
        {"account_key": "a", "user_id": "u1", "event": "e", "occurred_at": t}
        for t in ("2026-03-01T23:59:00+09:00", "2026-03-02T00:01:00+09:00")
    ]
    return validate_events(records_frame(records)).valid.with_columns(
        pl.lit(1, dtype=pl.Int64).alias("account_id")
    )


def test_a_day_is_a_company_time_zone_day() -> None:
    # given: 23:59 and 00:01 JST, i.e. 14:59 and 15:01 UTC on 1 March
    events = _two_events()
    window = RollupWindow(tz="Asia/Tokyo", first_day=D(2026, 3, 1), last_day=D(2026, 3, 2))
    # when
    tokyo = rollup_duckdb(events, catalog={}, window=window, queries=["daily"])
    in_utc = RollupWindow(tz="UTC", first_day=D(2026, 3, 1), last_day=D(2026, 3, 2))
    utc = rollup_duckdb(events, catalog={}, window=in_utc, queries=["daily"])
    # then
    assert tokyo.daily.sort("day").select("day", "events").rows() == [
        (D(2026, 3, 1), 1),
        (D(2026, 3, 2), 1),
    ]
    assert utc.daily.select("day", "events").rows() == [(D(2026, 3, 1), 2)]


def test_days_outside_the_window_are_left_out() -> None:
    window = RollupWindow(tz="Asia/Tokyo", first_day=D(2026, 3, 2), last_day=D(2026, 3, 2))
    result = rollup_duckdb(_two_events(), catalog={}, window=window, queries=["daily"])
    assert result.daily.select("day", "events").rows() == [(D(2026, 3, 2), 1)]


def test_the_sql_is_transpiled_not_copied() -> None:
    spark = rollup_sql("daily", dialect="spark", window=WINDOW)
    postgres = rollup_sql("daily", dialect="postgres", window=WINDOW)
    assert "FROM_UTC_TIMESTAMP(e.occurred_at, 'Asia/Tokyo')" in spark
    assert "e.occurred_at AT TIME ZONE 'Asia/Tokyo'" in postgres


def test_a_time_zone_is_a_name_never_sql() -> None:
    import pytest

    with pytest.raises(ValueError, match="not a time zone"):
        rollup_sql(
            "daily", dialect="duckdb", window=RollupWindow("x'; DROP", D(2026, 1, 1), D(2026, 1, 1))
        )
