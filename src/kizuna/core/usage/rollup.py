"""The usage rollup, written once as DuckDB SQL and transpiled by SQLGlot to other engines.

Inputs (two tables, whatever engine holds them):

- ``usage_events(account_id, user_id, event, occurred_at, quantity)``: ``occurred_at`` is an
  instant (DuckDB/PostgreSQL ``TIMESTAMPTZ``; Spark ``TIMESTAMP`` with session time zone UTC);
- ``feature_catalog(event, feature)``: which event makes which feature (events not in the
  catalog count as events but as no feature).

A **day** is a calendar day in the company time zone ``tz`` (IANA name, e.g. ``Asia/Tokyo``):
an event at 23:59 JST on 1 March belongs to 1 March, one at 00:01 JST on 2 March to 2 March,
whatever their UTC dates. Day ranges ``first_day … last_day`` are **inclusive**.

Queries (``QUERIES``):

- ``daily``: per account and day with at least one event: ``events`` (rows), ``quantity``
  (sum), ``active_users`` (distinct user ids), ``features`` (distinct catalog features);
- ``feature_daily``: per account, day and feature: ``events``;
- ``window_users``: per account over the whole range: ``active_users`` (distinct users over the
  range, not a sum of daily counts), ``last_seen_at`` (latest ``occurred_at``);
- ``top_users``: per account the ``top`` users with the most events over the range
  (ties by user id), with their ``events`` and ``rank`` (1 = most).

Accounts or days without events produce no rows: a missing day means zero events. ``daily``
and ``feature_daily`` come back in no particular order (sorting millions of account-days costs
a quarter of the rollup; the callers do not need it).

``SUMMARY_QUERIES`` read the daily rollup itself (``usage_day``, the ``UsageDay`` table in the
database) for the daily summaries: per account the weekly sums of the 63 days and the key
features used in the 28 days (``summary_sql``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb
import polars as pl
import sqlglot
from sqlglot import exp

_EVENTS_BY_DAY = """
WITH ev AS (
    SELECT e.account_id, e.user_id, e.event, e.quantity, e.occurred_at,
           CAST(e.occurred_at AT TIME ZONE :tz AS DATE) AS day
    FROM usage_events AS e
)
"""

_FEATURE_DAILY = """
SELECT ev.account_id, ev.day, c.feature, COUNT(*) AS events
FROM ev
JOIN feature_catalog AS c ON c.event = ev.event
WHERE ev.day BETWEEN :first_day AND :last_day
GROUP BY ev.account_id, ev.day, c.feature
"""

# ``daily`` counts distinct users and features in two steps (group by the user or the
# feature, then count the groups) instead of ``COUNT(DISTINCT …)``: the same result, and
# DuckDB runs it in about half the time.
QUERIES: Final[dict[str, str]] = {
    "daily": _EVENTS_BY_DAY
    + f"""
, feature_daily AS ({_FEATURE_DAILY}
), per_user AS (
    SELECT account_id, day, user_id, COUNT(*) AS events, SUM(quantity) AS quantity
    FROM ev
    WHERE day BETWEEN :first_day AND :last_day
    GROUP BY account_id, day, user_id
), per_day AS (
    SELECT account_id, day, SUM(events) AS events, SUM(quantity) AS quantity,
           COUNT(*) AS active_users
    FROM per_user
    GROUP BY account_id, day
), features_per_day AS (
    SELECT account_id, day, COUNT(*) AS features
    FROM feature_daily
    GROUP BY account_id, day
)
SELECT d.account_id, d.day, CAST(d.events AS BIGINT) AS events,
       CAST(d.quantity AS BIGINT) AS quantity, d.active_users,
       COALESCE(f.features, 0) AS features
FROM per_day AS d
LEFT JOIN features_per_day AS f ON f.account_id = d.account_id AND f.day = d.day
""",
    "feature_daily": _EVENTS_BY_DAY + _FEATURE_DAILY,
    "window_users": _EVENTS_BY_DAY
    + """
SELECT account_id, COUNT(DISTINCT user_id) AS active_users, MAX(occurred_at) AS last_seen_at
FROM ev
WHERE day BETWEEN :first_day AND :last_day
GROUP BY account_id
ORDER BY account_id
""",
    "top_users": _EVENTS_BY_DAY
    + """
, per_user AS (
    SELECT account_id, user_id, COUNT(*) AS events
    FROM ev
    WHERE day BETWEEN :first_day AND :last_day
    GROUP BY account_id, user_id
), ranked AS (
    SELECT account_id, user_id, events,
           ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY events DESC, user_id) AS rank
    FROM per_user
)
SELECT account_id, user_id, events, rank
FROM ranked
WHERE rank <= :top
ORDER BY account_id, rank
""",
}

#: the days the summaries read: the recent week and the 8 weeks the robust z-score compares
#: it with (``kizuna.core.usage.drops``)
SUMMARY_WEEKS: Final = 9
SUMMARY_DAYS: Final = 7 * SUMMARY_WEEKS

_SINCE_COLUMNS = ",\n".join(
    f"           SUM(CASE WHEN d.day >= :week_{k}_first THEN d.events ELSE 0 END) AS since_{k}"
    for k in range(SUMMARY_WEEKS)
)
_WEEK_COLUMNS = ",\n".join(
    f"       CAST(since_{k}{f' - since_{k - 1}' if k else ''} AS BIGINT) AS week_{k}"
    for k in range(SUMMARY_WEEKS)
)

#: The per-account figures of the daily summaries, read from the daily rollup
#: ``usage_day(account_id, day, events, active_users, feature_counts)`` (``feature_counts``: a
#: JSON object ``{"feature": events}``), as of ``:as_of`` over ``:first_day … :as_of``
#: (``summary_window``). One SQL text, transpiled by SQLGlot for each engine (SQLite,
#: PostgreSQL, DuckDB; ``summary_sql``):
#:
#: - ``weeks``: per account with at least one day in the range: ``week_0`` … ``week_8``, the
#:   events of week k = ``as_of − 7k − 6 … as_of − 7k`` (``drops.weekly_sums``), and
#:   ``max_daily_users_28d``, the most active users of one day of the 28 days ending ``as_of``
#:   (0 when none);
#: - ``features``: per account, each of the features ``:features`` that has a key in the
#:   ``feature_counts`` of a day of the 28 days ending ``as_of`` (a zero count too); a value that
#:   is not a JSON object has no feature.
#:
#: The weeks come from one pass grouped by account: the events since the first day of each
#: week (``_week_bounds``), then week k = since_k − since_(k−1). On PostgreSQL this is 3.5×
#: faster than grouping by account and week and pivoting the weeks, and about as fast on
#: SQLite (one comparison per week and day).
SUMMARY_QUERIES: Final[dict[str, str]] = {
    "weeks": f"""
SELECT account_id,
{_WEEK_COLUMNS},
       max_daily_users_28d
FROM (
    SELECT d.account_id,
{_SINCE_COLUMNS},
           COALESCE(MAX(CASE WHEN d.day >= :window_start THEN d.active_users END), 0)
               AS max_daily_users_28d
    FROM usage_day AS d
    WHERE d.day BETWEEN :first_day AND :as_of
    GROUP BY d.account_id
) AS sums
""",
    "features": """
SELECT DISTINCT d.account_id, f.key AS feature
FROM usage_day AS d,
     JSON_EACH(CASE WHEN LOWER(JSON_TYPE(d.feature_counts)) = 'object'
                    THEN d.feature_counts END) AS f
WHERE d.day BETWEEN :window_start AND :as_of AND f.key IN (:features)
""",
}


@dataclass(frozen=True)
class SummaryWindow:
    """The days the summaries read as of ``as_of``: ``first_day`` … ``as_of`` (63 days) and
    the 28-day window ``window_start`` … ``as_of``, both cut at ``dt.date.min``."""

    as_of: dt.date
    first_day: dt.date
    window_start: dt.date


def _days_before(day: dt.date, days: int) -> dt.date:
    return day - dt.timedelta(days=min(days, (day - dt.date.min).days))


def _week_bounds(as_of: dt.date) -> dict[str, dt.date]:
    """``week_{k}_first``, the first day of each of the ``SUMMARY_WEEKS`` weeks (the 7 days
    ending ``as_of − 7k``), cut at ``dt.date.min``: a week wholly before it starts where the
    week after it does, so its sum is 0, as in ``drops.weekly_sums``."""
    return {f"week_{k}_first": _days_before(as_of, 7 * k + 6) for k in range(SUMMARY_WEEKS)}


def summary_window(as_of: dt.date) -> SummaryWindow:
    return SummaryWindow(
        as_of=as_of,
        first_day=_days_before(as_of, SUMMARY_DAYS - 1),
        window_start=_days_before(as_of, 27),
    )


#: functions whose PostgreSQL name differs for the ``jsonb`` type (Django's ``JSONField``)
_JSONB_FUNCTIONS: Final = {"JSON_EACH": "JSONB_EACH"}


def summary_sql(
    name: str,
    *,
    dialect: str,
    as_of: dt.date,
    features: Sequence[str] = (),
    table: str = "usage_day",
    index: str | None = None,
) -> str:
    """The query ``name`` of ``SUMMARY_QUERIES`` with its parameters bound, in ``dialect``
    (``sqlite``, ``postgres``, ``duckdb``), reading the daily rollup from ``table``.

    Dates and feature names are bound as literals after parsing (no text is pasted into SQL).
    Adjustments per engine, none changing the result: on SQLite ``weeks`` reads the covering
    index ``index`` (``account_id, day, events, active_users``; in account order, so the
    grouping needs no sort) when one is given, and the table is otherwise read with
    ``NOT INDEXED`` (one pass over the table beats a walk of the ``day`` index that looks each
    row up, 3× here), and ``JSON_EACH`` reads ``feature_counts`` without the guard against
    values that are not an object (SQLite gives such a value integer keys or none, which match
    no feature name, where PostgreSQL raises; the guard parses each value a second time); on
    PostgreSQL the JSON functions are the ``jsonb`` ones.
    """
    window = summary_window(as_of)
    tree = sqlglot.parse_one(SUMMARY_QUERIES[name], read="duckdb")
    for condition in tree.find_all(exp.In):
        if [type(e) for e in condition.expressions] == [exp.Placeholder]:
            names: list[exp.Expr] = [exp.Literal.string(f) for f in features]
            condition.set("expressions", names or [exp.null()])
    days = {key: getattr(window, key) for key in ("as_of", "first_day", "window_start")}
    tree = exp.replace_placeholders(
        tree,
        **{
            key: exp.cast(exp.Literal.string(day.isoformat()), "date")
            for key, day in (days | _week_bounds(as_of)).items()
        },
    )
    for node in list(tree.find_all(exp.Table)):
        if node.name == "usage_day":
            node.set("this", exp.to_identifier(table))
            if dialect == "sqlite":
                covered = index is not None and name == "weeks"
                node.set("indexed", exp.to_table(index) if index and covered else False)
    if dialect == "sqlite":  # JSON_EACH of a non-object: integer keys or none, no error
        for guard in list(tree.find_all(exp.Case)):
            if isinstance(guard.parent, exp.Anonymous) and guard.parent.name == "JSON_EACH":
                guard.replace(guard.args["ifs"][0].args["true"])
    if dialect == "postgres" and name == "features" and features:
        tree = _features_by_key_test(tree, features)
    if dialect == "postgres":  # integer division: DIV() would divide numerics
        for division in list(tree.find_all(exp.IntDiv)):
            division.replace(
                exp.Div(this=division.this, expression=division.expression, typed=True)
            )
        for json_type in list(tree.find_all(exp.JSONType)):
            json_type.replace(exp.Anonymous(this="JSONB_TYPEOF", expressions=[json_type.this]))
        for call in tree.find_all(exp.Anonymous):
            call.set("this", _JSONB_FUNCTIONS.get(str(call.this).upper(), call.this))
    return tree.sql(dialect=dialect)


def _features_by_key_test(tree: exp.Expr, features: Sequence[str]) -> exp.Expr:
    """The ``features`` query of ``tree`` (bound) for PostgreSQL, the same rows from the same
    days: per account, ``BOOL_OR`` of one ``?`` test of ``feature_counts`` per key feature (an
    object only, as the guard of ``JSON_EACH`` says), unnested into (account, feature) rows."""
    day = tree.find(exp.Between)
    table = next(t for t in tree.find_all(exp.Table) if t.alias == "d")
    assert day is not None
    counts = exp.column("feature_counts", table="d")
    is_object = exp.EQ(
        this=exp.Anonymous(this="JSONB_TYPEOF", expressions=[counts.copy()]),
        expression=exp.Literal.string("object"),
    )
    found = [
        exp.Case(
            ifs=[
                exp.If(
                    this=exp.Anonymous(
                        this="BOOL_OR",
                        expressions=[
                            exp.and_(
                                is_object.copy(),
                                exp.JSONBContainsTopKey(
                                    this=counts.copy(), expression=exp.Literal.string(feature)
                                ),
                            )
                        ],
                    ),
                    true=exp.Literal.string(feature),
                )
            ]
        )
        for feature in features
    ]
    per_account = (
        exp.select(
            exp.column("account_id", table="d"), exp.alias_(exp.Array(expressions=found), "used")
        )
        .from_(table.copy())
        .where(day.copy())
        .group_by(exp.column("account_id", table="d"))
    )
    unnest = exp.Unnest(
        expressions=[exp.column("used", table="s")],
        alias=exp.TableAlias(this=exp.to_identifier("f"), columns=[exp.to_identifier("feature")]),
    )
    return (
        exp.select(exp.column("account_id", table="s"), exp.column("feature", table="f"))
        .from_(per_account.subquery("s"))
        .join(unnest, join_type="cross")
        .where(exp.column("feature", table="f").is_(exp.null()).not_())
    )


_TZ_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$")


@dataclass(frozen=True)
class RollupWindow:
    tz: str
    first_day: dt.date
    last_day: dt.date  # inclusive
    top: int = 5


def rollup_sql(name: str, *, dialect: str, window: RollupWindow) -> str:
    """The query ``name`` of ``QUERIES`` with its parameters bound, in ``dialect``.

    ``dialect`` is a SQLGlot dialect name (``duckdb``, ``postgres``, ``spark``, …). The time
    zone must be an IANA name; it and the dates are bound as literals after parsing, so no text
    is ever pasted into SQL.
    """
    return _bound(name, window).sql(dialect=dialect)


def _bound(name: str, window: RollupWindow) -> exp.Expr:
    if not _TZ_NAME.match(window.tz):
        raise ValueError(f"not a time zone name: {window.tz!r}")
    tree = sqlglot.parse_one(QUERIES[name], read="duckdb")
    return exp.replace_placeholders(
        tree,
        tz=exp.Literal.string(window.tz),
        first_day=exp.cast(exp.Literal.string(window.first_day.isoformat()), "date"),
        last_day=exp.cast(exp.Literal.string(window.last_day.isoformat()), "date"),
        top=exp.Literal.number(window.top),
    )


def _without_cte(tree: exp.Expr, name: str) -> exp.Expr:
    """``tree`` with its CTE ``name`` removed, so that the name refers to a table instead."""
    for cte in tree.find_all(exp.CTE):
        if cte.alias == name:
            cte.pop()
    return tree


@dataclass(frozen=True)
class RollupResult:
    daily: pl.DataFrame  # account_id, day, events, quantity, active_users, features
    feature_daily: pl.DataFrame  # account_id, day, feature, events
    window_users: pl.DataFrame  # account_id, active_users, last_seen_at
    top_users: pl.DataFrame  # account_id, user_id, events, rank


def catalog_frame(catalog: dict[str, str]) -> pl.DataFrame:
    """The feature catalog table from ``{event: feature}``."""
    return pl.DataFrame(
        {"event": list(catalog), "feature": list(catalog.values())},
        schema={"event": pl.String(), "feature": pl.String},
    )


def rollup_duckdb(
    events: pl.DataFrame | Sequence[Path],
    *,
    catalog: dict[str, str],
    window: RollupWindow,
    queries: Sequence[str] = tuple(QUERIES),
    threads: int | None = None,
) -> RollupResult:
    """Run the rollup queries in an embedded DuckDB over a frame or over Parquet files.

    ``events`` needs the columns of ``usage_events``; a frame's ``occurred_at`` must be a UTC
    datetime. Queries not in ``queries`` come back as empty frames.
    """
    con = duckdb.connect(config={"threads": threads} if threads else {})
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = false")
        if isinstance(events, pl.DataFrame):
            con.register("usage_events", events.to_arrow())
        elif events:
            con.read_parquet([str(p) for p in events], hive_partitioning=False).create_view(
                "usage_events"
            )
        else:
            con.execute(
                "CREATE TABLE usage_events (account_id BIGINT, user_id VARCHAR, event VARCHAR,"
                " occurred_at TIMESTAMPTZ, quantity BIGINT)"
            )
        con.register("feature_catalog", catalog_frame(catalog).to_arrow())
        frames = {name: pl.DataFrame() for name in QUERIES}
        shared = "daily" in queries and "feature_daily" in queries
        for name in sorted(QUERIES, key=lambda n: n != "feature_daily"):
            if name not in queries:
                continue
            tree = _bound(name, window)
            if shared and name == "daily":  # reuse the feature_daily table made just before
                tree = _without_cte(tree, "feature_daily")
            if shared and name == "feature_daily":
                con.execute(f"CREATE TEMP TABLE feature_daily AS {tree.sql(dialect='duckdb')}")
                frames[name] = con.table("feature_daily").pl()
            else:
                frames[name] = con.sql(tree.sql(dialect="duckdb")).pl()
    finally:
        con.close()
    return RollupResult(**frames)


_EVENT_SCHEMA: Final = pl.Schema(
    {
        "account_id": pl.Int64(),
        "user_id": pl.String(),
        "event": pl.String(),
        "occurred_at": pl.Datetime("us", "UTC"),
        "quantity": pl.Int64(),
    }
)


def rollup_polars(
    events: pl.DataFrame | Sequence[Path], *, catalog: dict[str, str], window: RollupWindow
) -> RollupResult:
    """``daily`` and ``feature_daily`` on Polars' SQL engine: the same SQL text as
    ``rollup_duckdb``, run over lazy Parquet scans. Used for the full rebuild, where it takes
    about two thirds of DuckDB's time on this kind of machine (``bench/usage_bench.py``).

    Polars SQL has no ``AT TIME ZONE``, so the query's first step (the ``ev`` CTE, which puts
    each event on its company day) is done by Polars' time-zone conversion and handed to the
    SQL as a table; the rest of the text is unchanged. The engine tests check that both
    runners give identical rows, across a DST change too.
    """
    if isinstance(events, pl.DataFrame):
        scan = events.lazy()
    elif events:
        scan = pl.scan_parquet(list(events), hive_partitioning=False)
    else:
        scan = pl.LazyFrame(schema=_EVENT_SCHEMA)
    ev = scan.select(
        pl.col("account_id").cast(pl.Int64),
        "user_id",
        "event",
        pl.col("quantity").cast(pl.Int64),
        pl.col("occurred_at").dt.convert_time_zone("UTC"),
        pl.col("occurred_at").dt.convert_time_zone(window.tz).dt.date().alias("day"),
    )
    context = pl.SQLContext(
        {"ev": ev, "feature_catalog": catalog_frame(catalog).lazy()}, eager=False
    )
    feature_daily = context.execute(
        _without_cte(_bound("feature_daily", window), "ev").sql(dialect="duckdb")
    )
    context.register("feature_daily", feature_daily)
    daily_tree = _without_cte(_without_cte(_bound("daily", window), "ev"), "feature_daily")
    daily = context.execute(daily_tree.sql(dialect="duckdb"))
    counts = {"events", "quantity", "active_users", "features"}
    daily_frame, feature_frame = pl.collect_all([daily, feature_daily])
    return RollupResult(
        daily=daily_frame.with_columns(pl.col(c).cast(pl.Int64) for c in counts),
        feature_daily=feature_frame.with_columns(pl.col("events").cast(pl.Int64)),
        window_users=pl.DataFrame(),
        top_users=pl.DataFrame(),
    )
