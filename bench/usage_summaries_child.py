"""The Django side of ``bench/usage_summaries_bench.py``, run in its own process with
``KIZUNA_DATA_DIR`` (and ``DATABASE_URL``) set by it: ``load N DAYS``, ``walk``, ``sql``.

``walk`` is the daily summaries as they were computed before the summary SQL (every
``UsageDay`` of the 63 days read into Python, then per account the window sums; written with
``delete`` + ``bulk_create``), kept here as the baseline; ``sql`` is
``usage_summaries_refresh``. Each prints one JSON line: seconds, summaries, signals, and a
digest of what was written (the two must be equal).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
import time
from collections import defaultdict

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Q  # noqa: E402

from kizuna.apps.customers.models import Account, Product, SubscriptionLine  # noqa: E402
from kizuna.apps.usage.models import (  # noqa: E402
    FeatureDefinition,
    UsageDay,
    UsageDropRule,
    UsageDropSignal,
    UsageSummary,
)
from kizuna.apps.usage.services.rollups import (  # noqa: E402
    UsageDayRow,
    committed,
    insert_usage_days,
    usage_summaries_refresh,
)
from kizuna.core.usage.drops import DropRule, detect_drops  # noqa: E402
from kizuna.core.usage.rollup import RollupWindow, rollup_duckdb  # noqa: E402
from kizuna.core.usage.store import EventStore, utc_days_for  # noqa: E402
from kizuna.core.usage.trend import (  # noqa: E402
    active_user_ratio,
    feature_adoption,
    usage_trend,
)

AS_OF = dt.date(2026, 11, 25)
#: the demo's catalog shape: per product, (feature, key)
FEATURES = {
    "expense": [("expense_report", True), ("receipt_scan", True), ("card_sync", False)],
    "invoice": [("invoice_receive", True), ("invoice_ocr", True), ("payment_export", False)],
    "attendance": [("clock_in_out", True), ("leave_request", True), ("shift_planning", False)],
}


def load(accounts: int, days: int) -> None:
    """``accounts`` accounts, 80 % with a line, each with ``days`` days of usage up to
    ``AS_OF`` (90 % of the days present, 1 in 15 accounts in a decline), seeded."""
    rng = random.Random(13)
    products = [Product.objects.create(code=code, name_ja=code, name_en=code) for code in FEATURES]
    for product in products:
        FeatureDefinition.objects.bulk_create(
            FeatureDefinition(event=f"{product.code}.{f}", feature=f, product=product, is_key=k)
            for f, k in FEATURES[product.code]
        )
    Account.objects.bulk_create(
        (Account(name=f"会社{n}", kana=f"カイシャ{n}") for n in range(accounts)), batch_size=5000
    )
    ids = list(Account.objects.values_list("id", flat=True))
    lines, chosen = [], {}
    for account_id in ids:
        product = rng.choice(products)
        chosen[account_id] = product
        if rng.random() < 0.8:
            lines.append(
                SubscriptionLine(
                    account_id=account_id,
                    product=product,
                    currency="JPY",
                    billing_period="monthly",
                    billing_amount=10_000,
                    mrr=10_000,
                    start_date=AS_OF - dt.timedelta(days=400),
                    seats=rng.choice([None, 5, 20, 100]),
                )
            )
    SubscriptionLine.objects.bulk_create(lines, batch_size=5000)
    rows = []
    for account_id in ids:
        names = [f for f, _key in FEATURES[chosen[account_id].code]]
        level = rng.choice([2, 10, 50, 200])
        decline = rng.random() < 1 / 15
        for back in range(days):
            if rng.random() < 0.1:
                continue
            events = rng.randint(0, level) // (4 if decline and back < 7 else 1)
            counts = {f: rng.randint(0, events) for f in names if rng.random() < 0.6}
            rows.append(
                (
                    account_id,
                    AS_OF - dt.timedelta(days=back),
                    events,
                    events,
                    rng.randint(0, 9),
                    len(counts),
                    json.dumps(counts),
                )
            )
        if len(rows) > 200_000:
            insert_days(rows)
            rows = []
    insert_days(rows)


@transaction.atomic
def insert_days(rows: list[UsageDayRow]) -> None:
    """``insert_usage_days``, or on PostgreSQL one ``COPY`` (the prepared insert runs row by
    row there: a 100,000-account load would take hours on a shared machine)."""
    if connection.vendor != "postgresql":
        insert_usage_days(rows)
        return
    columns = "account_id, day, events, quantity, active_users, features, feature_counts"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor
        with raw.copy(f"COPY {UsageDay._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


@transaction.atomic
def walk_summaries_refresh(*, as_of: dt.date) -> int:
    """The daily summaries as computed before the summary SQL (the baseline)."""
    since = as_of - dt.timedelta(days=62)
    series: dict[int, dict[dt.date, int]] = defaultdict(dict)
    used: dict[int, set[str]] = defaultdict(set)
    window_start = as_of - dt.timedelta(days=27)
    for account_id, day, events, feature_counts in UsageDay.objects.filter(
        day__gte=since, day__lte=as_of
    ).values_list("account_id", "day", "events", "feature_counts"):
        series[account_id][day] = events
        if day >= window_start:
            used[account_id] |= set(feature_counts)
    window = RollupWindow(tz="Asia/Tokyo", first_day=window_start, last_day=as_of)
    files = committed(
        EventStore(settings.USAGE_DIR).files(
            utc_days_for(window_start + dt.timedelta(days=n) for n in range(28))
        )
    )
    raw = rollup_duckdb(files, catalog={}, window=window, queries=["window_users", "top_users"])
    users = {r[0]: (r[1], r[2]) for r in raw.window_users.rows()} if raw.window_users.height else {}
    top: dict[int, list[dict[str, object]]] = defaultdict(list)
    for account_id, user_id, events, _rank in raw.top_users.rows() if raw.top_users.height else []:
        top[account_id].append({"user_id": user_id, "events": events})
    keys_by_product: dict[int, set[str]] = defaultdict(set)
    for product_id, feature in FeatureDefinition.objects.filter(is_key=True).values_list(
        "product_id", "feature"
    ):
        keys_by_product[product_id].add(feature)
    keys: dict[int, set[str]] = defaultdict(set)
    seats: dict[int, int] = defaultdict(int)
    for account_id, product_id, line_seats in SubscriptionLine.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=as_of), start_date__lte=as_of
    ).values_list("account_id", "product_id", "seats"):
        keys[account_id] |= keys_by_product.get(product_id, set())
        seats[account_id] += line_seats or 0
    rule_row = UsageDropRule.objects.first() or UsageDropRule()
    rule = DropRule(rule_row.share, rule_row.z_threshold, rule_row.weeks, rule_row.min_baseline)
    previous = {s.account_id: s for s in UsageSummary.objects.all()}
    daily_users = dict(
        UsageDay.objects.filter(day__gte=window_start, day__lte=as_of)
        .values("account_id")
        .annotate(top=Max("active_users"))
        .values_list("account_id", "top")
    )
    summaries, signals = [], []
    for account_id in set(Account.objects.values_list("id", flat=True)) & (
        set(series) | set(users)
    ):
        trend = usage_trend(series[account_id], as_of=as_of)
        before = previous.get(account_id)
        if account_id in users:
            active_users, last_seen = users[account_id]
            top_list = top.get(account_id, [])
        else:
            active_users = daily_users.get(account_id, 0)
            last_seen = before.last_seen_at if before else None
            top_list = before.top_users if before else []
        summaries.append(
            UsageSummary(
                account_id=account_id,
                as_of=as_of,
                events_7d=trend.sum_7d,
                events_28d=trend.sum_28d,
                week_over_week=trend.week_over_week,
                active_users_28d=active_users,
                feature_adoption=feature_adoption(
                    used=used[account_id], key_features=keys[account_id]
                ),
                active_user_ratio=active_user_ratio(
                    active_users=active_users, seats=seats.get(account_id)
                ),
                last_seen_at=last_seen,
                top_users=top_list,
                key_features_used=sorted(used[account_id] & keys[account_id]),
            )
        )
        signals += [
            UsageDropSignal(account_id=account_id, **vars(signal))
            for signal in detect_drops(series[account_id], as_of=as_of, rule=rule)
            if account_id in seats
        ]
    UsageSummary.objects.all().delete()
    UsageSummary.objects.bulk_create(summaries, batch_size=2000)
    UsageDropSignal.objects.filter(as_of=as_of).delete()
    UsageDropSignal.objects.bulk_create(signals, batch_size=2000)
    return len(summaries)


def digest() -> str:
    """A hash of every summary and signal as stored (ids and creation times left out)."""
    columns = [f.attname for f in UsageSummary._meta.concrete_fields if f.attname != "id"]
    summaries = sorted(UsageSummary.objects.values_list(*columns), key=lambda row: row[0])
    signals = sorted(
        UsageDropSignal.objects.values_list(
            "account_id", "as_of", "method", "recent", "baseline", "value", "threshold"
        )
    )
    return hashlib.sha256(repr((summaries, signals)).encode()).hexdigest()[:16]


def main() -> None:
    command = sys.argv[1]
    if command == "load":
        started = time.perf_counter()
        load(int(sys.argv[2]), int(sys.argv[3]))
        print(json.dumps({"seconds": time.perf_counter() - started}))
        return
    if command == "count":
        print(json.dumps({"accounts": Account.objects.count(), "days": UsageDay.objects.count()}))
        return
    run = {"walk": walk_summaries_refresh, "sql": usage_summaries_refresh}[command]
    started, cpu = time.perf_counter(), time.process_time()
    count = run(as_of=AS_OF)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    connection.close()
    signals = UsageDropSignal.objects.filter(as_of=AS_OF).count()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "summaries": count,
                "signals": signals,
                "digest": digest(),
            }
        )
    )


if __name__ == "__main__":
    main()
