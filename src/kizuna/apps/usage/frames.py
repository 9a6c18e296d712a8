"""The usage rollups as the frames the analytics core reads (``kizuna.core.onboarding.rules``):
``UsageDay`` rows in, Polars frames out; nothing is written."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

import polars as pl
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from kizuna.apps.usage.models import UsageDay

#: accounts per query: keeps the ``IN`` list under every engine's parameter limit
CHUNK = 5000
DAILY_SCHEMA = pl.Schema(
    {"account_id": pl.Int64, "day": pl.Date, "events": pl.Int64, "active_users": pl.Int64}
)
FEATURE_DAILY_SCHEMA = pl.Schema(
    {"account_id": pl.Int64, "day": pl.Date, "feature": pl.String, "events": pl.Int64}
)


def usage_frames(
    *, account_ids: Iterable[int], first: dt.date, last: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``daily`` (account_id, day, events, active_users) and ``feature_daily`` (account_id,
    day, feature, events: every feature of the day's ``feature_counts``, zero counts too) from
    ``UsageDay`` for the accounts and the days ``first`` … ``last`` (both inclusive); one query
    per ``CHUNK`` accounts. Rows come in the database's order."""
    ids = sorted(set(account_ids))
    parts = [
        usage_day_frames(
            UsageDay.objects.filter(
                account_id__in=ids[start : start + CHUNK], day__gte=first, day__lte=last
            )
        )
        for start in range(0, len(ids), CHUNK)
    ]
    if not parts:
        return DAILY_SCHEMA.to_frame(), FEATURE_DAILY_SCHEMA.to_frame()
    return pl.concat([d for d, _f in parts]), pl.concat([f for _d, f in parts])


def usage_day_frames(rows: QuerySet[UsageDay]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``daily`` and ``feature_daily`` (as ``usage_frames``) of the ``UsageDay`` rows of
    ``rows``, in its order. ``feature_counts`` is read as JSON text and decoded by Polars
    (``feature_daily_decode``): decoding millions of small objects one by one in Python
    (Django's ``JSONField``) took most of the time."""
    raw = list(
        rows.annotate(counts_text=Cast("feature_counts", TextField())).values_list(
            "account_id", "day", "events", "active_users", "counts_text"
        )
    )
    frame = pl.DataFrame(raw, schema={**DAILY_SCHEMA, "counts": pl.String}, orient="row")
    return frame.select(list(DAILY_SCHEMA)), feature_daily_decode(frame)


#: One ``"feature": events`` pair of a ``feature_counts`` object (the key a JSON string with
#: its escapes, the count an integer).
_KEY = r'"(?:[^"\\]|\\.)*"'
_PAIR = _KEY + r"\s*:\s*-?\d+"


def feature_daily_decode(frame: pl.DataFrame) -> pl.DataFrame:
    """(account_id, day, feature, events) for each pair of the JSON object ``counts`` (text,
    null for none) of each row of ``frame``, in the rows' order and each object's key order;
    as ``json.loads`` would read it (a count ``int()``). The pairs are found by Polars; an
    object with anything else in it (a count like ``1.5``) is decoded by ``json.loads``."""
    rows = frame.with_row_index("row").with_columns(pl.col("counts").fill_null("{}"))
    plain = pl.col("counts").str.replace_all(_PAIR, "").str.contains(r"^\s*\{[\s,]*\}\s*$")
    rows = rows.with_columns(plain.alias("plain"))
    pairs = (
        rows.filter("plain")
        .select("row", "account_id", "day", pl.col("counts").str.extract_all(_PAIR).alias("pair"))
        .explode("pair")
        .drop_nulls("pair")
        .select(
            "row",
            "account_id",
            "day",
            pl.col("pair").str.extract(f"^({_KEY})", 1).alias("key"),
            pl.col("pair").str.extract(r"(-?\d+)$", 1).cast(pl.Int64).alias("events"),
        )
    )
    keys = {k: json.loads(k) for k in pairs["key"].unique().to_list()}  # a few features
    pairs = pairs.select(
        "row",
        "account_id",
        "day",
        pl.col("key").replace_strict(keys, return_dtype=pl.String).alias("feature"),
        "events",
    )
    twice = pl.col("feature").n_unique() < pl.len()
    repeated = pairs.group_by("row").agg(twice=twice).filter("twice")["row"]
    if repeated.len():  # a key twice in one object (json.loads keeps the last): as the others
        rows = rows.with_columns(pl.col("plain") & ~pl.col("row").is_in(repeated.implode()))
        pairs = pairs.filter(~pl.col("row").is_in(repeated.implode()))
    others = [
        (row, account_id, day, feature, int(n))
        for row, account_id, day, text in rows.filter(~pl.col("plain"))
        .select("row", "account_id", "day", "counts")
        .iter_rows()
        for feature, n in (json.loads(text) or {}).items()
    ]
    if others:
        schema = pl.Schema([("row", pl.UInt32()), *FEATURE_DAILY_SCHEMA.items()])
        extra = pl.DataFrame(others, schema=schema, orient="row")
        pairs = pl.concat([pairs, extra]).sort("row", maintain_order=True)
    return pairs.select(list(FEATURE_DAILY_SCHEMA)).cast(FEATURE_DAILY_SCHEMA)
