"""``kizuna.db.bulk``: the same rows as ``bulk_create``, hostile values included."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, models, transaction

from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.apps.usage.models import UsageDropSignal, UsageSummary
from kizuna.db.bulk import bulk_insert, bulk_insert_ids, bulk_update_rows, db_value
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db

HUGE = 9_223_372_036_854_775_807  # the largest BigIntegerField


def values(model: type[models.Model], fields: list[str]) -> list[tuple[Any, ...]]:
    return list(model.objects.order_by("pk").values_list(*fields))


def test_lines_come_back_as_bulk_create_writes_them(world: World) -> None:
    # given: lines with the smallest and largest dates, nulls, a huge amount, Japanese text
    rows = [
        (world.account.pk, world.product.pk, "JPY", "monthly", HUGE, 0, None,
         dt.date(1, 1, 1), None, None, None),
        (world.account.pk, world.product.pk, "JPY", "annual", 0, HUGE, 2_147_483_647,
         dt.date(9999, 12, 30), dt.date(9999, 12, 31), dt.date(2026, 2, 28), "契約-1"),
        (world.other_account.pk, world.product.pk, "USD", "monthly", 1, 1, 1,
         dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 1), "'; DROP TABLE x; --"),
    ]  # fmt: skip
    fields = [
        "account_id", "product_id", "currency", "billing_period", "billing_amount", "mrr",
        "seats", "start_date", "end_date", "renewal_date", "external_id",
    ]  # fmt: skip
    # when: written by bulk_create, read, deleted, then written by bulk_insert
    SubscriptionLine.objects.bulk_create(
        SubscriptionLine(**dict(zip(fields, row, strict=True))) for row in rows
    )
    expected = values(SubscriptionLine, fields)
    SubscriptionLine.objects.all().delete()
    before = dt.datetime.now(dt.UTC)
    assert bulk_insert(SubscriptionLine, fields, rows, batch=2) == 3
    # then: the same values, and the timestamps nobody gave are now
    assert values(SubscriptionLine, fields) == expected
    for created, updated in SubscriptionLine.objects.values_list("created_at", "updated_at"):
        assert before <= created <= dt.datetime.now(dt.UTC)
        assert before <= updated <= dt.datetime.now(dt.UTC)


def test_json_floats_datetimes_and_defaults(world: World) -> None:
    fields = ["account_id", "as_of", "top_users", "last_seen_at", "week_over_week"]
    at = dt.datetime(2026, 11, 25, 8, 40, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    rows = [
        (world.account.pk, dt.date(2026, 11, 25), [{"user_id": "ユーザー\"1", "events": HUGE}],
         at, -1e308),
        (world.other_account.pk, dt.date(1, 1, 1), [], None, None),
    ]  # fmt: skip
    UsageSummary.objects.bulk_create(
        UsageSummary(**dict(zip(fields, row, strict=True))) for row in rows
    )
    everything = [f.attname for f in UsageSummary._meta.concrete_fields if not f.primary_key]
    expected = values(UsageSummary, everything)
    UsageSummary.objects.all().delete()
    bulk_insert(UsageSummary, fields, rows)
    assert values(UsageSummary, everything) == expected
    assert UsageSummary.objects.get(account=world.account).last_seen_at == at


def test_nothing_to_insert_writes_nothing(world: World) -> None:
    assert bulk_insert(UsageSummary, ["account_id", "as_of"], []) == 0
    assert bulk_insert_ids(Touchpoint, ["account_id", "kind", "occurred_at"], []) == []
    assert not UsageSummary.objects.exists() and not Touchpoint.objects.exists()


def test_ids_come_in_the_order_of_the_rows(world: World) -> None:
    # given: a touchpoint already there
    Touchpoint.objects.create(
        account=world.account, csm=world.csm, kind="call", occurred_at=dt.datetime.now(dt.UTC)
    )
    accounts = [AccountFactory().pk for _ in range(5)]
    rows = [
        (pk, world.csm.pk, "meeting", dt.datetime(2026, 1, n + 1, tzinfo=dt.UTC), f"要約{n}")
        for n, pk in enumerate(reversed(accounts))
    ]
    ids = bulk_insert_ids(
        Touchpoint, ["account_id", "csm_id", "kind", "occurred_at", "summary"], rows, batch=2
    )
    got = {pk: (a, s) for pk, a, s in Touchpoint.objects.values_list("pk", "account_id", "summary")}
    assert [got[pk] for pk in ids] == [(row[0], row[4]) for row in rows]
    assert Touchpoint.objects.count() == 6


@pytest.mark.parametrize(
    "fields",
    [["name", "name"], ["owner"], ["no_such_field"], ["name", "kana", "owner_id", "team"]],
)
def test_fields_must_be_column_attributes_named_once(world: World, fields: list[str]) -> None:
    with pytest.raises(ValueError, match="attribute names"):
        bulk_insert(Account, fields, [])
    assert Account.objects.count() == 2


def test_a_row_the_database_refuses_fails_the_whole_insert(world: World) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(
            UsageSummary,
            ["account_id", "as_of"],
            [(world.account.pk, dt.date(2026, 1, 1)), (world.account.pk, dt.date(2026, 1, 2))],
        )
    assert not UsageSummary.objects.exists()


def test_update_rows_sets_exactly_the_fields_given(world: World) -> None:
    # given: two lines; hostile values for the update (huge amounts, year 1 / 9999, NULLs)
    first = SubscriptionLine.objects.create(
        account=world.account, product=world.product, currency="JPY", billing_amount=1,
        mrr=1, start_date=dt.date(2026, 1, 1), external_id="a",
    )  # fmt: skip
    second = SubscriptionLine.objects.create(
        account=world.account, product=world.product, currency="JPY", billing_amount=2,
        mrr=2, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 1, 1), external_id="b",
    )  # fmt: skip
    # when: mrr and the dates set for both, by primary key
    rows = [
        (HUGE, dt.date(1, 1, 1), None, first.pk),
        (0, dt.date(9999, 12, 30), dt.date(9999, 12, 31), second.pk),
    ]
    written = bulk_update_rows(SubscriptionLine, ["mrr", "start_date", "end_date"], rows, batch=1)
    # then: those fields changed, nothing else did
    assert written == 2
    fields = ["external_id", "billing_amount", "mrr", "start_date", "end_date"]
    assert values(SubscriptionLine, fields) == [
        ("a", 1, HUGE, dt.date(1, 1, 1), None),
        ("b", 2, 0, dt.date(9999, 12, 30), dt.date(9999, 12, 31)),
    ]


def test_update_rows_refuses_unknown_or_repeated_fields(world: World) -> None:
    for fields in ([], ["mrr", "mrr"], ["no_such_field"], ["product"]):
        with pytest.raises(ValueError):
            bulk_update_rows(SubscriptionLine, fields, [])
    assert bulk_update_rows(SubscriptionLine, ["mrr"], []) == 0


DROP = ["account_id", "as_of", "method", "recent", "baseline", "value", "threshold", "created_at"]


def test_repeated_days_and_instants_are_written_as_each_row_gives_them(world: World) -> None:
    # given: the same instant in two time zones, more distinct days than the remembered ones
    # (the memo is cleared and refilled), and the first days again for another account
    tokyo = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    utc = dt.datetime(2026, 11, 25, 0, 0, tzinfo=dt.UTC)
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=n) for n in range(5000)]
    rows = [
        (world.account.pk, day, "share", 1, 1.0, 1.0, 1.0, tokyo if n % 2 else utc)
        for n, day in enumerate(days)
    ]
    rows += [(world.other_account.pk, days[n], "share", 1, 1.0, 1.0, 1.0, tokyo) for n in (0, 1)]
    # when
    bulk_insert(UsageDropSignal, DROP, rows)
    # then: every row's own day, every instant the same moment
    stored = values(UsageDropSignal, ["account_id", "as_of", "created_at"])
    assert [(a, d) for a, d, _t in stored] == [(a, d) for a, d, *_rest in rows]
    assert {t for _a, _d, t in stored} == {utc}


def test_conflicting_rows_are_left_out_when_asked(world: World) -> None:
    # given: a signal already there, then the same key again twice and a new one
    at = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    day = dt.date(2026, 11, 25)
    bulk_insert(UsageDropSignal, DROP, [(world.account.pk, day, "share", 1, 1.0, 1.0, 1.0, at)])
    again = [
        (world.account.pk, day, "share", 2, 1.0, 1.0, 1.0, at),
        (world.account.pk, day, "share", 3, 1.0, 1.0, 1.0, at),
        (world.account.pk, day, "robust_z", 4, 1.0, 1.0, 1.0, at),
    ]
    # when: without the flag the database refuses the whole batch
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(UsageDropSignal, DROP, again)
    bulk_insert(UsageDropSignal, DROP, again, ignore_conflicts=True)
    # then: the first row kept as it was, the new one added
    assert values(UsageDropSignal, ["method", "recent"]) == [("share", 1), ("robust_z", 4)]


def test_prepared_rows_are_written_as_the_prepared_ones(world: World) -> None:
    # given: renewals with JSON lists, dates at the ends of the calendar, a null, an instant
    at = dt.datetime(2026, 11, 25, 8, 40, 1, 123456, tzinfo=dt.UTC)
    fields = ["account_id", "date", "line_ids", "products", "mrr_due", "mrr_after", "outcome",
              "no_longer_due", "derived", "refreshed_at"]  # fmt: skip
    rows = [
        (world.account.pk, dt.date(1, 1, 1), [1, 2], [3], HUGE, None, "", False, "", at),
        (world.other_account.pk, dt.date(9999, 12, 31), [], [], 0, 0, "churned", True, "x", at),
    ]
    bulk_insert(Renewal, fields, rows)
    expected = values(Renewal, fields)
    Renewal.objects.all().delete()
    # when: the same rows with their values as the database takes them
    instant = db_value(Renewal, "refreshed_at", at)
    prepared = [
        (world.account.pk, "0001-01-01", "[1, 2]", "[3]", HUGE, None, "", False, "", instant),
        (world.other_account.pk, "9999-12-31", "[]", "[]", 0, 0, "churned", True, "x", instant),
    ]
    assert bulk_insert(Renewal, fields, prepared, prepared=True, batch=1) == 2
    # then
    assert values(Renewal, fields) == expected
    assert bulk_insert(Renewal, fields, [], prepared=True) == 0


def test_db_value_refuses_a_relation_that_is_no_column() -> None:
    with pytest.raises(ValueError, match="not a column"):
        db_value(Renewal, "plan", None)
