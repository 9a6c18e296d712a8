"""The daily summaries from the summary SQL give exactly what the 63-day walk in Python gave
(the walk is kept here as the reference), on SQLite and PostgreSQL; hostile rows and dates at
the ends of the calendar do not stop the job."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.conf import settings
from django.db.models import JSONField, Max, Q, Value

from kizuna.apps.customers.models import Account, Product, SubscriptionLine
from kizuna.apps.usage.models import (
    FeatureDefinition,
    UsageDay,
    UsageDropRule,
    UsageDropSignal,
    UsageSource,
    UsageSummary,
)
from kizuna.apps.usage.services.ingestion import usage_ingest
from kizuna.apps.usage.services.rollups import (
    COUNTER_MAX,
    committed,
    usage_summaries_refresh,
)
from kizuna.core.usage.drops import DropRule, detect_drops
from kizuna.core.usage.rollup import RollupWindow, rollup_duckdb
from kizuna.core.usage.schema import records_frame
from kizuna.core.usage.store import EventStore, utc_days_for
from kizuna.core.usage.trend import active_user_ratio, feature_adoption, usage_trend
from tests.apps.usage.conftest import event
from tests.factories import AccountFactory, SubscriptionLineFactory, World

AS_OF = dt.date(2026, 3, 31)
LAST_SEEN = dt.datetime(2026, 3, 20, 8, 40, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def reference(as_of: dt.date) -> tuple[dict[int, dict[str, Any]], set[tuple[Any, ...]]]:
    """The summaries and drop signals as the 63-day walk in Python computed them (the code
    the summary SQL replaced, without its writes)."""
    since = as_of - dt.timedelta(days=62)
    series: dict[int, dict[dt.date, int]] = defaultdict(dict)
    used: dict[int, set[str]] = defaultdict(set)
    window_start = as_of - dt.timedelta(days=27)
    for account_id, day, events, feature_counts in UsageDay.objects.filter(
        day__gte=since, day__lte=as_of
    ).values_list("account_id", "day", "events", "feature_counts"):
        series[account_id][day] = events
        if day >= window_start and isinstance(feature_counts, dict):  # (the walk crashed
            used[account_id] |= set(feature_counts)  # on other values: they count no feature)
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
    summaries: dict[int, dict[str, Any]] = {}
    signals: set[tuple[Any, ...]] = set()
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
        summaries[account_id] = {
            "as_of": as_of,
            "events_7d": trend.sum_7d,
            "events_28d": trend.sum_28d,
            "week_over_week": trend.week_over_week,
            "active_users_28d": active_users,
            "feature_adoption": feature_adoption(
                used=used[account_id], key_features=keys[account_id]
            ),
            "active_user_ratio": active_user_ratio(
                active_users=active_users, seats=seats.get(account_id)
            ),
            "last_seen_at": last_seen,
            "top_users": top_list,
            "key_features_used": sorted(used[account_id] & keys[account_id]),
        }
        if account_id in seats:
            signals |= {
                (account_id, *vars(signal).values())
                for signal in detect_drops(series[account_id], as_of=as_of, rule=rule)
            }
    return summaries, signals


COLUMNS = (
    "as_of",
    "events_7d",
    "events_28d",
    "week_over_week",
    "active_users_28d",
    "feature_adoption",
    "active_user_ratio",
    "last_seen_at",
    "top_users",
    "key_features_used",
)


def stored() -> tuple[dict[int, dict[str, Any]], set[tuple[Any, ...]]]:
    summaries = {
        row["account_id"]: {name: row[name] for name in COLUMNS}
        for row in UsageSummary.objects.values("account_id", *COLUMNS)
    }
    signals = set(
        UsageDropSignal.objects.values_list(
            "account_id", "method", "as_of", "recent", "baseline", "value", "threshold"
        )
    )
    return summaries, signals


def day_row(account: Account, back: int, events: int, users: int = 1, **counts: int) -> UsageDay:
    return UsageDay(
        account=account,
        day=AS_OF - dt.timedelta(days=back),
        events=events,
        active_users=users,
        features=len(counts),
        feature_counts=counts,
    )


@pytest.fixture
def catalog(world: World, source: UsageSource) -> Product:
    """Two key features and one other of the world's product; one key feature of another."""
    other = Product.objects.create(code="invoice", name_ja="請求書", name_en="Invoice")
    for event_name, feature, product, key in (
        ("expense.create", "expense", world.product, True),
        ("expense.approve", "approval", world.product, True),
        ("expense.card", "card", world.product, False),
        ("invoice.receive", "receive", other, True),
    ):
        FeatureDefinition.objects.update_or_create(
            event=event_name, defaults={"feature": feature, "product": product, "is_key": key}
        )
    return other


def test_boundaries_gaps_and_zeros_match_the_walk(world: World, catalog: Product) -> None:
    # given: a line with 4 seats; days at the ends of every window, gaps and zero counts
    SubscriptionLineFactory(account=world.account, product=world.product, seats=4)
    SubscriptionLineFactory(account=world.account, product=catalog, seats=None)
    rows = [
        day_row(world.account, 0, 3, 2, expense=3),  # as_of
        day_row(world.account, 6, 5, 1),  # last day of the recent week
        day_row(world.account, 7, 40, 4, approval=0),  # first of the week before; a zero count
        day_row(world.account, 13, 2, 1),
        day_row(world.account, 27, 9, 5, card=9),  # last day of the 28 days
        day_row(world.account, 28, 50, 9, receive=50),  # one day too old for the 28 days
        *(day_row(world.account, back, 30, 3) for back in range(34, 62, 3)),
        day_row(world.account, 62, 11, 2),  # the oldest day the summaries read
        day_row(world.account, 63, 1000, 30),  # one day too old for the summaries
        day_row(world.account, -1, 1000, 30),  # tomorrow: not read either
    ]
    # an account with only zero days, one with only a too-old day, one with a stale summary
    quiet = AccountFactory()
    old = AccountFactory()
    gone = AccountFactory()
    SubscriptionLineFactory(account=quiet, product=world.product, seats=0)
    rows += [day_row(quiet, back, 0, 0) for back in (0, 10, 40)]
    rows += [day_row(old, 63, 5, 1, expense=5)]
    UsageDay.objects.bulk_create(rows)
    UsageSummary.objects.create(account=gone, as_of=AS_OF - dt.timedelta(days=1), events_7d=9)
    UsageSummary.objects.create(
        account=world.account,
        as_of=AS_OF - dt.timedelta(days=1),
        last_seen_at=LAST_SEEN,
        top_users=[{"user_id": "u1", "events": 7}],
    )
    expected = reference(AS_OF)
    # when
    count = usage_summaries_refresh(as_of=AS_OF)
    # then: what the walk gave, and these exact figures
    assert stored() == expected
    assert count == 2
    summary = UsageSummary.objects.get(account=world.account)
    assert (summary.events_7d, summary.events_28d) == (8, 8 + 40 + 2 + 9)
    assert summary.week_over_week == (8 - 42) / 42
    assert summary.active_users_28d == 5  # the busiest day of the 28
    assert summary.feature_adoption == 2 / 3  # expense, approval (a zero count); not receive
    assert summary.key_features_used == ["approval", "expense"]
    assert summary.active_user_ratio == 5 / 4
    assert (summary.last_seen_at, summary.top_users) == (
        LAST_SEEN,
        [{"user_id": "u1", "events": 7}],
    )
    quiet_summary = UsageSummary.objects.get(account=quiet)
    assert (quiet_summary.events_28d, quiet_summary.week_over_week) == (0, None)
    assert quiet_summary.active_user_ratio is None  # no seats
    assert not UsageSummary.objects.filter(account__in=[old, gone]).exists()
    assert set(UsageDropSignal.objects.values_list("method", flat=True)) == {"share"}


def test_random_accounts_match_the_walk(
    world: World, catalog: Product, source: UsageSource
) -> None:
    # given: 40 accounts with random usage over 70 days, random lines, a drop rule of 10 weeks
    # and raw events for one of them
    rng = random.Random(12)
    features = ["expense", "approval", "card", "receive", "other"]
    accounts = [world.account, world.other_account, *AccountFactory.create_batch(38)]
    rows = []
    for account in accounts:
        if rng.random() < 0.8:
            SubscriptionLineFactory(
                account=account,
                product=rng.choice([world.product, catalog]),
                seats=rng.choice([None, 0, 3, 25]),
                start_date=AS_OF - dt.timedelta(days=rng.randint(-5, 400)),
                end_date=rng.choice([None, AS_OF, AS_OF + dt.timedelta(days=3)]),
            )
        level = rng.choice([0, 1, 5, 80])
        for back in range(-2, 70):
            if rng.random() < 0.3:
                continue
            counts = {f: rng.randint(0, 4) for f in rng.sample(features, rng.randint(0, 3))}
            recent = back < 7 and rng.random() < 0.5
            events = 0 if recent else rng.randint(0, level * 2)
            rows.append(day_row(account, back, events, rng.randint(0, 9), **counts))
        if rng.random() < 0.5:
            UsageSummary.objects.create(
                account=account,
                as_of=AS_OF,
                last_seen_at=LAST_SEEN,
                top_users=[{"user_id": f"x{account.pk}", "events": 3}],
            )
    UsageDay.objects.bulk_create(rows)
    UsageDropRule.objects.create(weeks=10, min_baseline=2.0)
    usage_ingest(
        source=source,
        frame=records_frame(
            [event(user=f"u{n % 4}", at=f"{AS_OF}T0{n}:00:00+09:00") for n in range(6)]
        ),
        via="api",
        name="raw",
        batch_key="raw",
    )
    expected = reference(AS_OF)
    assert len(expected[1]) > 3  # the dataset has drops
    # when
    usage_summaries_refresh(as_of=AS_OF)
    # then
    assert stored() == expected
    assert UsageSummary.objects.get(account=world.account).top_users[0]["user_id"] == "u0"


def test_a_second_run_of_the_same_day_writes_the_same(world: World, catalog: Product) -> None:
    SubscriptionLineFactory(account=world.account, product=world.product, seats=2)
    UsageDay.objects.bulk_create(day_row(world.account, back, 10) for back in range(8, 40))
    usage_summaries_refresh(as_of=AS_OF)
    first = stored()
    # the usage of the last weeks disappears (a rebuild): the summary and the signals follow
    usage_summaries_refresh(as_of=AS_OF)
    assert stored() == first
    UsageDay.objects.all().delete()
    usage_summaries_refresh(as_of=AS_OF)
    assert stored() == ({}, set())


def test_hostile_rows_do_not_stop_the_job(world: World, catalog: Product) -> None:
    # given: feature counts that are no JSON object, and days of the largest event counts
    SubscriptionLineFactory(account=world.account, product=world.product, seats=1)
    odd = AccountFactory()
    UsageDay.objects.bulk_create(
        [
            *(day_row(world.account, back, COUNTER_MAX, COUNTER_MAX) for back in range(35)),
            UsageDay(account=odd, day=AS_OF, events=1, feature_counts=["expense"]),
            UsageDay(account=odd, day=AS_OF - dt.timedelta(days=2), events=3, feature_counts="x"),
            UsageDay(account=odd, day=AS_OF - dt.timedelta(days=3), events=4, feature_counts=7),
        ]
    )
    UsageDay.objects.create(  # JSON null
        account=odd,
        day=AS_OF - dt.timedelta(days=1),
        events=2,
        feature_counts=Value(None, JSONField()),
    )
    SubscriptionLineFactory(account=odd, product=world.product, seats=1)
    # when
    assert usage_summaries_refresh(as_of=AS_OF) == 2
    # then: counters beyond their column are stored as its largest value
    big = UsageSummary.objects.get(account=world.account)
    assert (big.events_7d, big.events_28d, big.active_users_28d) == (COUNTER_MAX,) * 3
    assert big.week_over_week == 0.0
    assert big.key_features_used == []
    summary = UsageSummary.objects.get(account=odd)
    assert (summary.events_7d, summary.feature_adoption, summary.key_features_used) == (
        10,
        0.0,
        [],
    )


@pytest.mark.parametrize(
    ("as_of", "backs"),
    [(dt.date(1, 1, 1), [0]), (dt.date(1, 1, 20), [0, 7, 19]), (dt.date(9999, 12, 31), [0, 8, 60])],
)
def test_the_ends_of_the_calendar_do_not_stop_the_job(
    world: World, catalog: Product, as_of: dt.date, backs: list[int]
) -> None:
    SubscriptionLineFactory(
        account=world.account, product=world.product, seats=2, start_date=dt.date(1, 1, 1)
    )
    UsageDay.objects.bulk_create(
        UsageDay(
            account=world.account,
            day=as_of - dt.timedelta(days=back),
            events=10 + back,
            active_users=1,
            feature_counts={"expense": 1},
        )
        for back in backs
    )
    assert usage_summaries_refresh(as_of=as_of) == 1
    summary = UsageSummary.objects.get(account=world.account)
    assert summary.events_28d == sum(10 + back for back in backs if back < 28)
    assert summary.events_7d == sum(10 + back for back in backs if back < 7)
    assert summary.key_features_used == ["expense"]


def test_raw_events_at_the_edges_of_the_window(
    world: World, catalog: Product, source: UsageSource, usage_dir: Path
) -> None:
    # the 28 days of raw events: the first day counts, the day before does not
    first = AS_OF - dt.timedelta(days=27)
    batch = [
        event(user="early", at=f"{first - dt.timedelta(days=1)}T23:59:00+09:00"),
        event(user="first", at=f"{first}T00:00:00+09:00"),
        event(user="last", at=f"{AS_OF}T23:59:00+09:00"),
    ]
    usage_ingest(source=source, frame=records_frame(batch), via="api", name="e", batch_key="e")
    expected = reference(AS_OF)
    usage_summaries_refresh(as_of=AS_OF)
    assert stored() == expected
    summary = UsageSummary.objects.get(account=world.account)
    assert summary.active_users_28d == 2
    assert {row["user_id"] for row in summary.top_users} == {"first", "last"}
    assert (
        pl.Series([summary.last_seen_at]).dt.convert_time_zone("Asia/Tokyo").dt.date()[0] == AS_OF
    )


def test_more_summaries_than_one_statement_holds(world: World, catalog: Product) -> None:
    # 1,201 accounts: three statements of 500, 500 and 201 rows, over existing summaries too
    accounts = Account.objects.bulk_create(Account(name=f"社{n}") for n in range(1201))
    SubscriptionLine.objects.bulk_create(
        SubscriptionLine(
            account=account,
            product=world.product,
            currency="JPY",
            billing_period="monthly",
            billing_amount=1000,
            mrr=1000,
            start_date=AS_OF - dt.timedelta(days=100),
            seats=3,
        )
        for account in accounts
    )
    UsageDay.objects.bulk_create(
        day_row(account, back, (n * 7 + back) % 13, n % 5, expense=1)
        for n, account in enumerate(accounts)
        for back in (0, 9, 30)
    )
    UsageSummary.objects.bulk_create(
        UsageSummary(account=account, as_of=AS_OF, last_seen_at=LAST_SEEN)
        for account in accounts[::3]
    )
    expected = reference(AS_OF)
    assert usage_summaries_refresh(as_of=AS_OF) == 1201
    assert stored() == expected


def test_hostile_feature_names_empty_counts_and_far_days_match_the_walk(
    world: World, catalog: Product
) -> None:
    # given: key features whose names are SQL, JSON-path or placeholder syntax, or Japanese
    # (stored escaped as \uXXXX by the JSON field); empty and null counts; a day in year 9999;
    # an account with a line and no day at all
    names = ["it's", 'a"b', "%s", "b?c", "$.x", "経費"]
    for n, name in enumerate(names):
        FeatureDefinition.objects.create(
            event=f"hostile.{n}", feature=name, product=world.product, is_key=True
        )
    SubscriptionLineFactory(account=world.account, product=world.product, seats=3)
    empty, idle = AccountFactory(), AccountFactory()
    SubscriptionLineFactory(account=empty, product=world.product, seats=3)
    SubscriptionLineFactory(account=idle, product=world.product, seats=3)
    UsageDay.objects.bulk_create(
        [
            day_row(world.account, 0, 5, 2, **{"it's": 1, "経費": 0}),
            day_row(world.account, 3, 5, 2, **{'a"b': 2, "%s": 1}),
            day_row(world.account, 30, 5, 2, **{"b?c": 4}),  # too old for the 28 days
            day_row(world.account, 10, 0, 0),  # {}
            UsageDay(account=world.account, day=dt.date(9999, 12, 31), events=7, active_users=1),
            UsageDay(account=empty, day=AS_OF, events=1, feature_counts={}),
        ]
    )
    UsageDay.objects.create(  # JSON null
        account=empty,
        day=AS_OF - dt.timedelta(days=4),
        events=2,
        feature_counts=Value(None, JSONField()),
    )
    expected = reference(AS_OF)
    # when
    assert usage_summaries_refresh(as_of=AS_OF) == 2
    # then
    assert stored() == expected
    summary = UsageSummary.objects.get(account=world.account)
    assert summary.key_features_used == sorted(["it's", "経費", 'a"b', "%s"])
    assert summary.feature_adoption == 4 / 8
    assert summary.events_28d == 10  # not the day of year 9999
    assert UsageSummary.objects.get(account=empty).key_features_used == []
    assert not UsageSummary.objects.filter(account=idle).exists()
