"""The same rollup SQL text, transpiled by SQLGlot, gives identical results on DuckDB,
PostgreSQL and Spark (local mode) for the fixture."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from typing import Any

import polars as pl
import pytest
from tests.core.usage.conftest import CATALOG

from kizuna.core.usage.rollup import (
    QUERIES,
    RollupWindow,
    rollup_duckdb,
    rollup_polars,
    rollup_sql,
)

WINDOW = RollupWindow(tz="Asia/Tokyo", first_day=dt.date(2026, 2, 28), last_day=dt.date(2026, 3, 3))
POSTGRES_URL = os.environ.get("KIZUNA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def _normalised(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Engines return instants as aware (DuckDB, PostgreSQL) or UTC-naive (Spark) datetimes."""

    def one(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, dt.date):
            return value
        return int(value) if isinstance(value, int) else value

    return sorted(tuple(one(v) for v in row) for row in rows)


def _duckdb_rows(events: pl.DataFrame) -> dict[str, list[tuple[Any, ...]]]:
    result = rollup_duckdb(events, catalog=CATALOG, window=WINDOW)
    return {name: _normalised(getattr(result, name).rows()) for name in QUERIES}


def _event_tuples(events: pl.DataFrame) -> list[tuple[Any, ...]]:
    return events.select("account_id", "user_id", "event", "occurred_at", "quantity").rows()


def test_postgresql_gives_the_duckdb_result(fixture_events: pl.DataFrame) -> None:
    psycopg = pytest.importorskip("psycopg")
    try:
        connection = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:  # pragma: no cover - depends on the machine
        pytest.skip(f"PostgreSQL not reachable: {error}")
    schema = f"usage_test_{uuid.uuid4().hex[:10]}"
    with connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema}")
        try:
            cursor.execute(f"SET search_path TO {schema}")
            cursor.execute(
                "CREATE TABLE usage_events (account_id bigint, user_id text, event text,"
                " occurred_at timestamptz, quantity bigint)"
            )
            cursor.execute("CREATE TABLE feature_catalog (event text, feature text)")
            cursor.executemany(
                "INSERT INTO usage_events VALUES (%s, %s, %s, %s, %s)",
                _event_tuples(fixture_events),
            )
            cursor.executemany("INSERT INTO feature_catalog VALUES (%s, %s)", list(CATALOG.items()))
            got = {}
            for name in QUERIES:
                cursor.execute(rollup_sql(name, dialect="postgres", window=WINDOW))
                got[name] = _normalised(cursor.fetchall())
        finally:
            cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    assert got == _duckdb_rows(fixture_events)


@pytest.mark.spark
def test_spark_gives_the_duckdb_result(fixture_events: pl.DataFrame) -> None:
    pyspark_sql = pytest.importorskip("pyspark.sql")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime (Java 17): none on PATH or in JAVA_HOME")
    spark = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("kizuna-usage-test")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    try:
        spark.createDataFrame(
            _event_tuples(fixture_events),
            "account_id long, user_id string, event string, occurred_at timestamp, quantity long",
        ).createOrReplaceTempView("usage_events")
        spark.createDataFrame(
            list(CATALOG.items()), "event string, feature string"
        ).createOrReplaceTempView("feature_catalog")
        got = {
            name: _normalised(
                [
                    tuple(row)
                    for row in spark.sql(rollup_sql(name, dialect="spark", window=WINDOW)).collect()
                ]
            )
            for name in QUERIES
        }
    finally:
        spark.stop()
    assert got == _duckdb_rows(fixture_events)


def _daily_and_features(result: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    return _normalised(result.daily.rows()), _normalised(result.feature_daily.rows())


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "UTC", "America/New_York"])
def test_polars_sql_gives_the_duckdb_result(fixture_events: pl.DataFrame, tz: str) -> None:
    # given: the fixture moved onto the New York DST change (2026-03-08 02:00 local) as well
    events = pl.concat(
        [
            fixture_events,
            fixture_events.with_columns(
                pl.col("occurred_at") + pl.duration(days=6, hours=1),
                (pl.col("account_id") + 10),
            ),
        ]
    )
    window = RollupWindow(tz=tz, first_day=dt.date(2026, 2, 28), last_day=dt.date(2026, 3, 9))
    # when
    duck = rollup_duckdb(events, catalog=CATALOG, window=window, queries=["daily", "feature_daily"])
    polars = rollup_polars(events, catalog=CATALOG, window=window)
    # then
    assert _daily_and_features(polars) == _daily_and_features(duck)
    assert polars.daily.height > 0 and polars.feature_daily.height > 0


def test_polars_reads_parquet_files_and_nothing(
    fixture_events: pl.DataFrame, tmp_path: Any
) -> None:
    path = tmp_path / "events.parquet"
    fixture_events.select(
        "account_id", "user_id", "event", "occurred_at", "quantity"
    ).write_parquet(path)
    from_file = rollup_polars([path], catalog=CATALOG, window=WINDOW)
    from_frame = rollup_polars(fixture_events, catalog=CATALOG, window=WINDOW)
    empty = rollup_polars([], catalog=CATALOG, window=WINDOW)
    assert _daily_and_features(from_file) == _daily_and_features(from_frame)
    assert empty.daily.height == 0 and empty.feature_daily.height == 0
