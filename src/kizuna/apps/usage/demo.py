"""Loading the demo company's usage (``kizuna.demo.usage``): catalog, mapping, daily totals.

The demo's usage arrives as per-account-day totals, the way a warehouse rollup would, and goes
into the store of record like any other usage (``usage_daily_ingest``: one batch of daily
totals, rolled up with whatever events the same days get later). It has no raw events, so the
summaries keep the generated top users and last-seen times (see
``rollups.usage_summaries_refresh``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import polars as pl
from django.utils import timezone

from kizuna.apps.customers.models import Product
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.usage.models import (
    AccountKeyMapping,
    FeatureDefinition,
    UsageSource,
    UsageSummary,
)
from kizuna.apps.usage.services.ingestion import usage_daily_ingest
from kizuna.apps.usage.services.rollups import usage_summaries_refresh
from kizuna.core.usage.store import DAILY_SCHEMA
from kizuna.db.bulk import bulk_insert
from kizuna.demo.types import DemoDataset
from kizuna.demo.usage import DAYS, FEATURE_LABELS, FEATURES, generate_usage

LARGE_DEMO = 20_000  # accounts


def usage_demo_load(*, dataset: DemoDataset, accounts: dict[str, int]) -> int:
    """Load the demo's usage; returns the account-days written. Runs inside the demo load.

    The usage stream is seeded from the dataset itself, so one dataset gives one usage."""
    first_key = dataset.accounts[0].key if dataset.accounts else ""
    # a year of history makes the health backtest meaningful; a 100,000-account load test
    # keeps the two months that the pages show (25 million rows would dwarf the rest)
    days = DAYS if len(dataset.accounts) <= LARGE_DEMO else 60
    usage = generate_usage(
        dataset, seed=f"{dataset.as_of}:{len(dataset.accounts)}:{first_key}", days=days
    )
    products = {p.code: p for p in Product.objects.all()}
    FeatureDefinition.objects.bulk_create(
        FeatureDefinition(
            event=event,
            feature=feature,
            label_ja=FEATURE_LABELS.get(feature, ("", ""))[0],
            label_en=FEATURE_LABELS.get(feature, ("", ""))[1],
            product=products[code],
            is_key=key,
        )
        for code, features in FEATURES.items()
        if code in products
        for event, feature, key in features
    )
    now = timezone.now()
    source = UsageSource.objects.create(code="product-events", name="製品イベント")
    mobile = UsageSource.objects.create(code="mobile-app", name="モバイルアプリ")
    bulk_insert(
        AccountKeyMapping,
        ["source_id", "account_key", "account_id"],
        ((source.pk, key, pk) for key, pk in accounts.items()),
    )
    usage_daily_ingest(
        source=source,
        totals=_totals_frame(usage.days, accounts),
        name="デモ会社の日次集計",
        batch_key=f"demo:{dataset.as_of}",
    )
    UsageSource.objects.filter(pk=source.pk).update(
        last_event_at=now - dt.timedelta(hours=2), last_received_at=now - dt.timedelta(hours=2)
    )
    UsageSource.objects.filter(pk=mobile.pk).update(
        last_event_at=now - dt.timedelta(days=3), last_received_at=now - dt.timedelta(days=3)
    )
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    last_day = dict(
        usage.days.group_by("account_key", maintain_order=True).agg(pl.col("day").last()).rows()
    )
    top: dict[str, list[dict[str, object]]] = {}
    for key, user_id, events in usage.top_users.rows():
        top.setdefault(key, []).append({"user_id": user_id, "events": events})
    bulk_insert(
        UsageSummary,
        ["account_id", "as_of", "top_users", "last_seen_at"],
        (
            (
                accounts[key],
                dataset.as_of,
                top.get(key, []),
                min(
                    dt.datetime.combine(day, dt.time(17, 40), tzinfo=zone),
                    now - dt.timedelta(minutes=40),
                ),
            )
            for key, day in last_day.items()
        ),
    )
    usage_summaries_refresh(as_of=dataset.as_of)
    return len(usage.days)


def _totals_frame(days: pl.DataFrame, accounts: dict[str, int]) -> pl.DataFrame:
    """The generated days (``kizuna.demo.usage.DAYS_SCHEMA``) as daily totals
    (``DAILY_SCHEMA``; quantity = events)."""
    return (
        days.with_columns(
            pl.col("account_key")
            .replace_strict(accounts, return_dtype=pl.Int64)
            .alias("account_id"),
            pl.col("events").alias("quantity"),
        )
        .select(list(DAILY_SCHEMA))
        .cast(DAILY_SCHEMA)  # type: ignore[arg-type]
    )
