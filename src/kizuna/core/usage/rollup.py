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
    SELECT e.account_id, e.user_id, e.quantity, e.occurred_at, c.feature,
           CAST(e.occurred_at AT TIME ZONE :tz AS DATE) AS day
    FROM usage_events AS e
    LEFT JOIN feature_catalog AS c ON c.event = e.event
)
"""

QUERIES: Final[dict[str, str]] = {
    "daily": _EVENTS_BY_DAY
    + """
SELECT account_id, day, COUNT(*) AS events, CAST(SUM(quantity) AS BIGINT) AS quantity,
       COUNT(DISTINCT user_id) AS active_users, COUNT(DISTINCT feature) AS features
FROM ev
WHERE day BETWEEN :first_day AND :last_day
GROUP BY account_id, day
""",
    "feature_daily": _EVENTS_BY_DAY
    + """
SELECT account_id, day, feature, COUNT(*) AS events
FROM ev
WHERE day BETWEEN :first_day AND :last_day AND feature IS NOT NULL
GROUP BY account_id, day, feature
""",
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
    if not _TZ_NAME.match(window.tz):
        raise ValueError(f"not a time zone name: {window.tz!r}")
    tree = sqlglot.parse_one(QUERIES[name], read="duckdb")
    bound = exp.replace_placeholders(
        tree,
        tz=exp.Literal.string(window.tz),
        first_day=exp.cast(exp.Literal.string(window.first_day.isoformat()), "date"),
        last_day=exp.cast(exp.Literal.string(window.last_day.isoformat()), "date"),
        top=exp.Literal.number(window.top),
    )
    return bound.sql(dialect=dialect)


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
        schema={"event": pl.String, "feature": pl.String},
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
        frames = {
            name: con.sql(rollup_sql(name, dialect="duckdb", window=window)).pl()
            if name in queries
            else pl.DataFrame()
            for name in QUERIES
        }
    finally:
        con.close()
    return RollupResult(**frames)
