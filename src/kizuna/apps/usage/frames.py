"""The usage rollups as the frames the analytics core reads (``kizuna.core.onboarding.rules``):
``UsageDay`` rows in, Polars frames out; nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl

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
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), CHUNK):
        rows += UsageDay.objects.filter(
            account_id__in=ids[start : start + CHUNK], day__gte=first, day__lte=last
        ).values_list("account_id", "day", "events", "active_users", "feature_counts")
    daily = pl.DataFrame([row[:4] for row in rows], schema=DAILY_SCHEMA, orient="row")
    features = [
        (account_id, day, feature, int(n))
        for account_id, day, _events, _users, counts in rows
        for feature, n in (counts or {}).items()
    ]
    feature_daily = pl.DataFrame(features, schema=FEATURE_DAILY_SCHEMA, orient="row")
    return daily, feature_daily
