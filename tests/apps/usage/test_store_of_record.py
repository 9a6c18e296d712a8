"""One store of record: a rollup replaces exactly the rows it recomputes, and usage loaded as
daily totals (a warehouse, the demo) survives every batch of events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from kizuna.apps.customers.models import Account
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.usage.models import AccountKeyMapping, IngestionRun, UsageDay, UsageSource
from kizuna.apps.usage.services.ingestion import (
    usage_daily_ingest,
    usage_ingest,
    usage_rollup_pending,
    usage_source_get,
)
from kizuna.apps.usage.services.rollups import usage_rebuild
from kizuna.core.usage.schema import UsageFileError, records_frame
from kizuna.core.usage.store import DAILY_SCHEMA
from tests.apps.usage.conftest import event
from tests.factories import AccountFactory, World

D = dt.date(2026, 3, 2)


def totals(rows: list[tuple[int, dt.date, int, int, dict[str, int]]]) -> pl.DataFrame:
    """(account_id, day, events, active_users, feature counts) as ``DAILY_SCHEMA`` rows."""
    return pl.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "day": [r[1] for r in rows],
            "events": [r[2] for r in rows],
            "quantity": [r[2] for r in rows],
            "active_users": [r[3] for r in rows],
            "feature_counts": [
                [{"feature": f, "events": n} for f, n in r[4].items()] for r in rows
            ],
        },
        schema=DAILY_SCHEMA,
    )


def rows_of(day: dt.date) -> dict[int, tuple[int, int, int, dict[str, int]]]:
    return {
        account_id: (events, users, features, counts)
        for account_id, events, users, features, counts in UsageDay.objects.filter(
            day=day
        ).values_list("account_id", "events", "active_users", "features", "feature_counts")
    }


@pytest.fixture
def warehouse(world: World, source: UsageSource) -> dict[int, tuple[int, int, int, dict[str, int]]]:
    """Daily totals of D for world.account and 30 more accounts, from a warehouse source."""
    others = [AccountFactory().pk for _ in range(30)]
    rows = [(world.account.pk, D, 10, 3, {"expense": 6, "report": 4})]
    rows += [(pk, D, 5 + n, 2, {"report": 5 + n}) for n, pk in enumerate(others)]
    rows += [(world.other_account.pk, D - dt.timedelta(days=1), 7, 1, {})]
    usage_daily_ingest(
        source=usage_source_get(code="warehouse"), totals=totals(rows), name="dwh", batch_key="1"
    )
    return rows_of(D)


def test_one_event_for_one_account_leaves_every_other_account_of_the_day(
    world: World, source: UsageSource, warehouse: dict[int, Any]
) -> None:
    assert len(warehouse) == 31
    # when: one event for one account on D arrives (a file import rolls up at once)
    usage_ingest(source=source, frame=records_frame([event()]), via="file", name="f", batch_key="f")
    # then: every other account's row of D is intact; the account has its totals + the event
    after = rows_of(D)
    assert set(after) == set(warehouse)
    for account_id, row in warehouse.items():
        if account_id != world.account.pk:
            assert after[account_id] == row
    assert after[world.account.pk] == (11, 3, 2, {"expense": 7, "report": 4})
    # and the day before, which no event touched, too
    assert rows_of(D - dt.timedelta(days=1)) == {world.other_account.pk: (7, 1, 0, {})}


def test_an_api_batch_rolled_up_by_the_worker_keeps_the_other_accounts(
    world: World, source: UsageSource, warehouse: dict[int, Any]
) -> None:
    usage_ingest(
        source=source,
        frame=records_frame([event(key="hokuto", user="x")]),
        via="api",
        name="a",
        batch_key="a",
        defer_rollup=True,
    )
    # when
    assert usage_rollup_pending() == 1
    # then
    after = rows_of(D)
    assert len(after) == 32
    assert {k: v for k, v in after.items() if k != world.other_account.pk} == warehouse
    assert after[world.other_account.pk] == (1, 1, 1, {"expense": 1})


def test_a_rebuild_recomputes_events_and_daily_totals_alike(
    world: World, source: UsageSource, warehouse: dict[int, Any]
) -> None:
    usage_ingest(source=source, frame=records_frame([event()]), via="file", name="f", batch_key="f")
    before = sorted(UsageDay.objects.values_list("account_id", "day", "events", "feature_counts"))
    # when
    written = usage_rebuild()
    # then
    assert written == 32
    after = sorted(UsageDay.objects.values_list("account_id", "day", "events", "feature_counts"))
    assert after == before


def test_daily_totals_sent_again_replace_their_batch_and_keep_one_run(
    world: World, source: UsageSource, warehouse: dict[int, Any]
) -> None:
    # when: the warehouse sends the same batch again, corrected (one account, a day later)
    fixed = totals([(world.account.pk, D + dt.timedelta(days=1), 4, 1, {"report": 4})])
    usage_daily_ingest(
        source=usage_source_get(code="warehouse"), totals=fixed, name="dwh", batch_key="1"
    )
    # then: the old batch is gone from every day it had, the new one counted once
    assert UsageDay.objects.filter(day__lte=D).count() == 0
    assert rows_of(D + dt.timedelta(days=1)) == {world.account.pk: (4, 1, 1, {"report": 4})}
    (run,) = IngestionRun.objects.filter(via="daily")
    assert (run.attempts, run.rows_stored) == (2, 1)


@pytest.mark.parametrize(
    "row",
    [
        (10**9, D, 1, 1, {}),  # no such account
        (None, D, 1, 1, {}),  # no account at all
        (0, dt.date(1, 1, 1), 1, 1, {}),  # year 1
        (0, dt.date(9999, 12, 31), 1, 1, {}),  # year 9999
    ],
)
def test_daily_totals_for_no_account_or_an_impossible_day_are_refused_whole(
    world: World, row: tuple[Any, ...]
) -> None:
    account_id = row[0] if row[0] != 0 else world.account.pk
    frame = totals([(world.account.pk, D, 3, 1, {}), (account_id, *row[1:])])
    with pytest.raises(UsageFileError):
        usage_daily_ingest(
            source=usage_source_get(code="dwh"), totals=frame, name="x", batch_key="x"
        )
    assert not UsageDay.objects.exists()
    assert not IngestionRun.objects.exists()
    assert Account.objects.exists()


def test_the_demos_usage_goes_through_the_store_of_record(db: object) -> None:
    # given: the demo company, its usage loaded as daily totals
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    before = {
        (a, d): (e, u, f)
        for a, d, e, u, f in UsageDay.objects.values_list(
            "account_id", "day", "events", "active_users", "feature_counts"
        )
    }
    assert len(before) > 1000
    assert IngestionRun.objects.get(via="daily").rows_stored == len(before)
    # when: one real event arrives for one demo account on the last day
    last = max(day for _a, day in before)
    mapping = AccountKeyMapping.objects.filter(source__code="product-events").first()
    assert mapping is not None
    usage_ingest(
        source=mapping.source,
        frame=records_frame([event(key=mapping.account_key, at=f"{last}T10:00:00+09:00")]),
        via="file",
        name="f",
        batch_key="f",
    )
    # then: that account-day has one event more; no other row of any day changed
    after = {
        (a, d): (e, u, f)
        for a, d, e, u, f in UsageDay.objects.values_list(
            "account_id", "day", "events", "active_users", "feature_counts"
        )
    }
    touched = (mapping.account_id, last)
    expected = dict(before)
    events, users, counts = before.get(touched, (0, 0, {}))
    expected[touched] = (events + 1, max(users, 1), counts)
    assert after == expected
    # and a rebuild from the store gives the same rows
    usage_rebuild()
    assert len(UsageDay.objects.all()) == len(after)
