"""The rollups the pages read, refreshed from the store of record (``kizuna.core.usage.store``).

``UsageDay`` is derived data: a day's rows are recomputed from **everything** the store holds
for that day, raw events and daily totals (a warehouse, the demo) alike, and only from batches
with a committed ``IngestionRun`` (files an interrupted attempt left are never read). So a
rollup replaces exactly the rows it recomputes, and no usage loaded another way is lost.

- ``usage_rollup_days``: recompute ``UsageDay`` for the given company-time-zone days only
  (called by every ingestion with the days its events fall on, so late events update exactly
  their day);
- ``usage_rebuild``: every day from every stored event (``kizuna usage rebuild``), the same
  SQL run on Polars, which is faster than DuckDB for a whole year of events;
- ``usage_summaries_refresh``: the 28-day figures and drop signals per account as of a day
  (the daily job), from the summary SQL over ``UsageDay`` (``SUMMARY_QUERIES``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.apps.usage.models import (
    FeatureDefinition,
    IngestionRun,
    UsageDay,
    UsageDropRule,
    UsageDropSignal,
    UsageSummary,
)
from kizuna.core.usage.drops import DropRule, detect_drops_weekly
from kizuna.core.usage.rollup import (
    SUMMARY_WEEKS,
    RollupWindow,
    SummaryWindow,
    rollup_duckdb,
    rollup_polars,
    summary_sql,
    summary_window,
)
from kizuna.core.usage.store import DAILY_SCHEMA, EventStore, batch_of, utc_days_for
from kizuna.core.usage.trend import active_user_ratio, feature_adoption, usage_trend_weekly

#: the first company day an event may fall on (``services.event_window``); a rebuild ignores
#: partitions outside the window, so an impossible date stored before it was refused cannot
#: stop it
EARLIEST_DAY = dt.date(2000, 1, 1)


def _tz() -> str:
    return str(tenant_settings_get().time_zone)


def local_days(instants: pl.Series) -> set[dt.date]:
    """The company-time-zone days of UTC instants."""
    return set(instants.dt.convert_time_zone(_tz()).dt.date().unique().to_list())


def _catalog() -> dict[str, str]:
    return dict(FeatureDefinition.objects.values_list("event", "feature"))


def committed(paths: list[Path]) -> list[Path]:
    """The files of ``paths`` whose batch has a run record (the batch's commit mark)."""
    ids = sorted({batch_of(path) for path in paths})
    known: set[str] = set()
    for start in range(0, len(ids), 5000):
        known.update(
            IngestionRun.objects.filter(batch_id__in=ids[start : start + 5000])
            .values_list("batch_id", flat=True)
            .distinct()
        )
    return [path for path in paths if batch_of(path) in known]


def _daily_totals(paths: list[Path]) -> pl.DataFrame | None:
    if not paths:
        return None
    return pl.read_parquet(paths, hive_partitioning=False).cast(DAILY_SCHEMA)  # type: ignore[arg-type]


@transaction.atomic
def usage_rollup_days(*, days: Iterable[dt.date]) -> int:
    """Replace ``UsageDay`` rows of exactly ``days``; returns the rows written."""
    wanted = sorted(set(days))
    if not wanted:
        return 0
    store = EventStore(settings.USAGE_DIR)
    files = committed(store.files(utc_days_for(wanted)))
    window = RollupWindow(tz=_tz(), first_day=wanted[0], last_day=wanted[-1])
    result = rollup_duckdb(
        files, catalog=_catalog(), window=window, queries=["daily", "feature_daily"]
    )
    totals = _daily_totals(committed(store.daily_files(wanted)))
    return _replace_days(wanted, *_with_totals(result.daily, result.feature_daily, totals))


def _with_totals(
    daily: pl.DataFrame, features: pl.DataFrame, totals: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The events' ``daily`` and ``feature_daily`` with the daily totals added: per account and
    day, events, quantity and feature counts are summed; active users are the larger count (users
    cannot be told apart across totals, so this is a lower bound); features are counted again
    from the summed feature counts."""
    if totals is None or totals.is_empty():
        return daily, features
    keys = ["account_id", "day"]
    total_features = (
        totals.select(*keys, "feature_counts")
        .explode("feature_counts")
        .drop_nulls("feature_counts")
        .unnest("feature_counts")
    )
    feature_cols = [*keys, pl.col("feature"), pl.col("events").cast(pl.Int64)]
    merged_features = (
        pl.concat([features.select(feature_cols), total_features.select(feature_cols)])
        .group_by(*keys, "feature")
        .agg(pl.col("events").sum())
    )
    counted = merged_features.group_by(keys).agg(pl.len().cast(pl.Int64).alias("features"))
    day_cols = [*keys, *(pl.col(c).cast(pl.Int64) for c in ("events", "quantity", "active_users"))]
    merged_daily = (
        pl.concat([daily.select(day_cols), totals.select(day_cols)])
        .group_by(keys)
        .agg(pl.col("events").sum(), pl.col("quantity").sum(), pl.col("active_users").max())
        .join(counted, on=keys, how="left")
        .with_columns(pl.col("features").fill_null(0))
    )
    return merged_daily, merged_features


def _replace_days(days: list[dt.date], daily: pl.DataFrame, features: pl.DataFrame) -> int:
    keys = ["account_id", "day"]
    existing = list(Account.objects.values_list("id", flat=True)) if daily.height else []
    rows = (
        daily.filter(pl.col("day").is_in(days), pl.col("account_id").is_in(existing))
        .join(_feature_json(features), on=keys, how="left")
        .select(
            *keys,
            *(pl.col(c).cast(pl.Int64) for c in ("events", "quantity", "active_users", "features")),
            pl.col("feature_counts").fill_null("{}"),
        )
        # in the unique index's order: SQLite inserts millions of rows four times faster than
        # in the group-by's random order (each row lands next to the one before it)
        .sort(keys)
        .rows()
    )
    if len(days) > 60:  # a rebuild: one range delete instead of a long IN list
        UsageDay.objects.filter(day__gte=days[0], day__lte=days[-1]).delete()
    else:
        UsageDay.objects.filter(day__in=days).delete()
    return insert_usage_days(rows)


def _feature_json(features: pl.DataFrame) -> pl.DataFrame:
    """``feature_counts`` as JSON text per account and day (``{"feature": events, …}``), built
    by Polars: three times faster than a Python dict and ``json.dumps`` per row."""
    schema = {"account_id": pl.Int64, "day": pl.Date, "feature_counts": pl.String}
    if not features.height:
        return pl.DataFrame(schema=schema)
    names = features["feature"].unique().to_list()
    quoted = {name: json.dumps(name, ensure_ascii=False) for name in names}
    pair = pl.concat_str(
        pl.col("feature").replace_strict(quoted, return_dtype=pl.String),
        pl.lit(": "),
        pl.col("events").cast(pl.String),
    )
    return (
        features.with_columns(pair.alias("pair"))
        .group_by("account_id", "day")
        .agg(pl.col("pair").sort().str.join(", "))  # sorted: the same text every time
        .select(
            pl.col("account_id").cast(pl.Int64),
            pl.col("day").cast(pl.Date),
            pl.concat_str(pl.lit("{"), pl.col("pair"), pl.lit("}")).alias("feature_counts"),
        )
    )


UsageDayRow = tuple[int, dt.date, int, int, int, int, str]


def insert_usage_days(rows: list[UsageDayRow]) -> int:
    """Insert ``UsageDay`` rows (account_id, day, events, quantity, active_users, features,
    feature_counts as JSON text) with one prepared statement: ``bulk_create`` spends 10× longer
    building model instances and SQL than the database spends inserting 100,000 rows."""
    table = UsageDay._meta.db_table
    sql = (
        f"INSERT INTO {table} (account_id, day, events, quantity, active_users, features,"
        " feature_counts) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[start : start + 10_000])
    return len(rows)


@transaction.atomic
def usage_rebuild() -> int:
    """Recompute every ``UsageDay`` from every stored event and daily total of the days from
    ``EARLIEST_DAY`` to two days after today; returns the rows written."""
    store = EventStore(settings.USAGE_DIR)
    lowest, highest = EARLIEST_DAY - dt.timedelta(days=1), tenant_today() + dt.timedelta(days=2)
    utc = [d for d in store.days() if lowest <= d <= highest]
    daily_days = [d for d in store.daily_days() if lowest <= d <= highest]
    UsageDay.objects.all().delete()
    if not utc and not daily_days:
        return 0
    edges = [*utc, *daily_days]
    first, last = min(edges) - dt.timedelta(days=1), max(edges) + dt.timedelta(days=1)
    window = RollupWindow(tz=_tz(), first_day=first, last_day=last)
    result = rollup_polars(committed(store.files(utc)), catalog=_catalog(), window=window)
    totals = _daily_totals(committed(store.daily_files(daily_days)))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return _replace_days(days, *_with_totals(result.daily, result.feature_daily, totals))


def _key_features_and_seats(as_of: dt.date) -> tuple[dict[int, set[str]], dict[int, int]]:
    keys_by_product: dict[int, set[str]] = defaultdict(set)
    for product_id, feature in FeatureDefinition.objects.filter(is_key=True).values_list(
        "product_id", "feature"
    ):
        keys_by_product[product_id].add(feature)
    keys: dict[int, set[str]] = defaultdict(set)
    seats: dict[int, int] = defaultdict(int)
    active = SubscriptionLine.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=as_of), start_date__lte=as_of
    ).values_list("account_id", "product_id", "seats")
    for account_id, product_id, line_seats in active:
        keys[account_id] |= keys_by_product.get(product_id, set())
        seats[account_id] += line_seats or 0
    return keys, seats


#: the largest value of a summary's counters (``PositiveIntegerField``: PostgreSQL's
#: ``integer``); a larger sum, which only hostile data reaches, is stored as this
COUNTER_MAX = 2_147_483_647
#: the SQLGlot dialect of each Django database vendor
_DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}
#: columns written for every summary, then the two kept from the previous summary of an account
#: whose raw events are not in the store
_SUMMARY_COLUMNS = (
    "account_id",
    "as_of",
    "events_7d",
    "events_28d",
    "week_over_week",
    "active_users_28d",
    "feature_adoption",
    "active_user_ratio",
    "key_features_used",
)
_RAW_COLUMNS = ("last_seen_at", "top_users")
_SIGNAL_COLUMNS = (
    "account_id",
    "as_of",
    "method",
    "recent",
    "baseline",
    "value",
    "threshold",
    "created_at",
)


@dataclass(frozen=True)
class _RawUsage:
    """An account's figures from its raw events over the 28 days (the Parquet store)."""

    active_users: int
    last_seen_at: dt.datetime | None
    top_users: list[dict[str, object]]


def _summary_query(name: str, *, as_of: dt.date, features: list[str] | None = None) -> list[Any]:
    sql = summary_sql(
        name,
        dialect=_DIALECTS[connection.vendor],
        as_of=as_of,
        features=features or (),
        table=UsageDay._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows: list[Any] = cursor.fetchall()
    return rows


def _raw_usage(window: SummaryWindow) -> dict[int, _RawUsage]:
    """Distinct users, last event and top users over the 28 days, per account with raw events
    in the store (DuckDB over the Parquet files)."""
    first, last = window.window_start, window.as_of
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    # no event is stored on the first or the last day a date can name (``EARLIEST_DAY``)
    days = [day for day in days if dt.date.min < day < dt.date.max]
    files = committed(EventStore(settings.USAGE_DIR).files(utc_days_for(days)))
    if not files:  # usage rolled up elsewhere only (a warehouse, the demo)
        return {}
    rollup_window = RollupWindow(tz=_tz(), first_day=first, last_day=last)
    raw = rollup_duckdb(
        files, catalog={}, window=rollup_window, queries=["window_users", "top_users"]
    )
    top: dict[int, list[dict[str, object]]] = defaultdict(list)
    for account_id, user_id, events, _rank in raw.top_users.rows() if raw.top_users.height else []:
        top[account_id].append({"user_id": user_id, "events": events})
    rows = raw.window_users.rows() if raw.window_users.height else []
    return {
        account_id: _RawUsage(users, last_seen, top.get(account_id, []))
        for account_id, users, last_seen in rows
    }


@transaction.atomic
def usage_summaries_refresh(*, as_of: dt.date) -> int:
    """Recompute every account's ``UsageSummary`` and its drop signals as of ``as_of``.

    The per-account figures come from the summary SQL over ``UsageDay``
    (``kizuna.core.usage.rollup.SUMMARY_QUERIES``: the weekly sums of the 63 days and the key
    features used in the 28 days), two passes of the database over the table; Python only
    turns each account's sums into its summary. Drop signals are kept only for accounts with a line
    active on ``as_of``. An account has a summary when it has a ``UsageDay`` row in the 63 days
    or raw events in the 28 days; the summaries of the others are removed, the signals of
    ``as_of`` replaced (multi-row statements, ``_write``), and nothing else is written."""
    window = summary_window(as_of)
    keys, seats = _key_features_and_seats(as_of)
    weeks = {row[0]: row[1:] for row in _summary_query("weeks", as_of=as_of)}
    used: dict[int, set[str]] = defaultdict(set)
    key_names = sorted(set().union(*keys.values()))
    for account_id, feature in _summary_query("features", as_of=as_of, features=key_names):
        used[account_id].add(feature)
    raw = _raw_usage(window)
    rule_row = UsageDropRule.objects.first() or UsageDropRule()
    rule = DropRule(rule_row.share, rule_row.z_threshold, rule_row.weeks, rule_row.min_baseline)
    ids = set(Account.objects.values_list("id", flat=True)) & (set(weeks) | set(raw))
    with_raw: list[tuple[Any, ...]] = []
    without_raw: list[tuple[Any, ...]] = []
    signals: list[tuple[Any, ...]] = []
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    no_days = (0,) * (SUMMARY_WEEKS + 1)
    for account_id in sorted(ids):
        *sums, max_daily_users = weeks.get(account_id, no_days)
        trend = usage_trend_weekly(sums, sum_28d=sum(sums[:4]))
        account_raw = raw.get(account_id)
        active_users = account_raw.active_users if account_raw else max_daily_users
        account_keys = keys.get(account_id, set())
        row = (
            account_id,
            as_of,
            min(trend.sum_7d, COUNTER_MAX),
            min(trend.sum_28d, COUNTER_MAX),
            trend.week_over_week,
            min(active_users, COUNTER_MAX),
            feature_adoption(used=used[account_id], key_features=account_keys),
            active_user_ratio(active_users=active_users, seats=seats.get(account_id)),
            _json_list(sorted(used[account_id] & account_keys)),
        )
        if account_raw:
            last_seen = connection.ops.adapt_datetimefield_value(account_raw.last_seen_at)
            with_raw.append((*row, last_seen, json.dumps(account_raw.top_users)))
        else:  # rolled up elsewhere (a warehouse, the demo): the previous ones are kept
            without_raw.append((*row, None, "[]"))
        if account_id in seats:  # an active line on as_of: a churned account's silence is no news
            signals += [
                (
                    account_id,
                    as_of,
                    signal.method,
                    min(signal.recent, COUNTER_MAX),
                    signal.baseline,
                    signal.value,
                    signal.threshold,
                    created_at,
                )
                for signal in detect_drops_weekly(sums, as_of=as_of, rule=rule)
            ]
    stale = set(UsageSummary.objects.values_list("account_id", flat=True)) - ids
    for chunk in _chunks(sorted(stale)):
        UsageSummary.objects.filter(account_id__in=chunk).delete()
    columns, conflict = _SUMMARY_COLUMNS + _RAW_COLUMNS, "account_id"
    _write(UsageSummary, columns, with_raw, update=columns[1:], conflict=conflict)
    # the previous last-seen time and top users stay
    _write(UsageSummary, columns, without_raw, update=_SUMMARY_COLUMNS[1:], conflict=conflict)
    UsageDropSignal.objects.filter(as_of=as_of).delete()
    _write(UsageDropSignal, _SIGNAL_COLUMNS, signals)
    return len(ids)


@functools.cache
def _json_tuple(values: tuple[str, ...]) -> str:
    return json.dumps(list(values))


def _json_list(values: list[str]) -> str:
    """``values`` as JSON text, as ``JSONField`` writes it (a few distinct lists: cached)."""
    return _json_tuple(tuple(values))


#: rows per statement of ``_write``: 500 × 11 parameters stays under every engine's limit
ROWS_PER_STATEMENT = 500


def _write(
    model: type[Model],
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    update: tuple[str, ...] = (),
    conflict: str = "",
) -> None:
    """Insert ``rows`` of ``columns`` into ``model``'s table, ``ROWS_PER_STATEMENT`` rows per
    statement (one round trip each: ``executemany`` costs one per row on PostgreSQL), the same
    text on SQLite and PostgreSQL; with ``conflict``, a row whose ``conflict`` column exists
    updates the ``update`` columns of that row instead. ``bulk_create`` spends most of its time
    building model instances."""
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)})"
    row = f"({', '.join(['%s'] * len(columns))})"
    tail = ""
    if conflict:
        assignments = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in update)
        tail = f" ON CONFLICT ({quote(conflict)}) DO UPDATE SET {assignments}"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            values = ", ".join([row] * len(chunk))
            cursor.execute(f"{head} VALUES {values}{tail}", [v for r in chunk for v in r])


def _chunks(values: list[int], size: int = 5000) -> Iterable[list[int]]:
    return (values[start : start + size] for start in range(0, len(values), size))
