"""``kizuna.db.rows.plain_rows``: the driver's rows, equal to ``values_list``'s; ``paused_gc``."""

from __future__ import annotations

import datetime as dt
import gc

import polars as pl
import pytest

from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.renewals.models import Renewal
from kizuna.db.rows import paused_gc, plain_frame, plain_rows
from tests.factories import World

pytestmark = pytest.mark.django_db

HUGE = 9_223_372_036_854_775_807


def test_rows_equal_values_list_with_edge_dates_nulls_and_huge_numbers(world: World) -> None:
    # given: lines at the ends of the calendar, a null end, the largest amount
    for start, end, mrr in (
        (dt.date(1, 1, 1), None, HUGE),
        (dt.date(9999, 12, 30), dt.date(9999, 12, 31), 0),
        (dt.date(2026, 2, 28), dt.date(2027, 2, 28), 1),
    ):
        SubscriptionLine.objects.create(
            account=world.account, product=world.product, billing_period="annual",
            billing_amount=mrr, mrr=mrr, start_date=start, end_date=end,
        )  # fmt: skip
    Renewal.objects.create(account=world.account, date=dt.date(9999, 12, 31), no_longer_due=True)
    Renewal.objects.create(account=world.account, date=dt.date(1, 1, 1), derived="1|2|3||")
    queries = [
        SubscriptionLine.objects.order_by("pk").values_list(
            "pk", "account_id", "start_date", "end_date", "mrr", "billing_period", "term_months"
        ),
        Renewal.objects.order_by("pk").values_list("pk", "date", "derived", "no_longer_due"),
        Account.objects.order_by("pk").values_list("pk", "name", "kana", "segment"),
    ]
    for query in queries:
        # when: read both ways
        plain = list(plain_rows(query, chunk=2))
        # then: the same values of the same types
        assert plain == list(query)
        assert [tuple(map(type, row)) for row in plain] == [tuple(map(type, row)) for row in query]


def test_a_json_or_datetime_column_is_refused(world: World) -> None:
    # given / when / then: columns the drivers do not return as Django would
    for column in ("line_ids", "created_at"):
        with pytest.raises(ValueError, match="plain_rows cannot read"):
            next(plain_rows(Renewal.objects.values_list("pk", column)))


def test_a_frame_holds_the_same_values_and_an_empty_query_gives_an_empty_frame(
    world: World,
) -> None:
    # given: renewals at the ends of the calendar, a null MRR after
    Renewal.objects.create(account=world.account, date=dt.date(9999, 12, 31), mrr_due=HUGE)
    Renewal.objects.create(account=world.other_account, date=dt.date(1, 1, 1), mrr_after=0)
    schema = {"account_id": pl.Int64, "date": pl.Date, "mrr_due": pl.Int64,
              "mrr_after": pl.Int64}  # fmt: skip
    query = Renewal.objects.order_by("pk").values_list(*schema)
    # when
    frame = plain_frame(query, schema)
    empty = plain_frame(query.filter(mrr_due=-1), schema)
    # then
    assert frame.rows() == list(query)
    assert frame.schema == pl.Schema(schema)
    assert empty.is_empty() and empty.schema == pl.Schema(schema)


@pytest.mark.django_db(databases=[])
def test_paused_gc_restores_the_collector_as_it_was_even_after_an_error() -> None:
    assert gc.isenabled()
    # an error inside: the collector runs again afterwards
    with pytest.raises(ZeroDivisionError), paused_gc():
        assert not gc.isenabled()
        _ = 1 / 0
    assert gc.isenabled()
    # nested: the inner block leaves the collector paused for the outer one
    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()

    # as a decorator, and a collector paused by someone else stays paused
    @paused_gc()
    def inside() -> bool:
        return gc.isenabled()

    gc.disable()
    try:
        assert inside() is False
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert inside() is False and gc.isenabled()


def test_a_query_that_can_match_nothing_gives_no_row(world: World) -> None:
    # given: a filter on an empty list, which Django never sends to the database
    query = Renewal.objects.filter(pk__in=[]).values_list("pk", "date")
    # when / then
    assert list(plain_rows(query)) == []
    frame = plain_frame(query, {"pk": pl.Int64, "date": pl.Date})
    assert frame.height == 0 and frame.schema == {"pk": pl.Int64, "date": pl.Date}
