"""``usage.frames.usage_frames``: the rollups as the core's daily and feature frames."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.apps.usage import frames
from kizuna.apps.usage.frames import DAILY_SCHEMA, FEATURE_DAILY_SCHEMA, usage_frames
from kizuna.apps.usage.models import UsageDay
from tests.factories import AccountFactory, World

D = dt.date(2026, 3, 2)


def _day(account_id: int, day: dt.date, events: int, users: int, counts: Any) -> UsageDay:
    return UsageDay(
        account_id=account_id,
        day=day,
        events=events,
        quantity=events,
        active_users=users,
        features=len(counts or {}),
        feature_counts=counts,
    )


@pytest.mark.django_db
def test_it_reads_the_accounts_and_days_asked_for_both_ends_included(world: World) -> None:
    # given usage of two accounts on four days, and a third account nobody asks about
    a, b, c = world.account.pk, world.other_account.pk, AccountFactory().pk
    UsageDay.objects.bulk_create(
        [
            _day(a, D - dt.timedelta(days=1), 9, 9, {"export": 9}),  # before first
            _day(a, D, 5, 2, {"export": 3, "report": 2}),
            _day(a, D + dt.timedelta(days=2), 1, 1, {"export": 0}),  # a zero count is kept
            _day(b, D + dt.timedelta(days=2), 4, 1, {}),
            _day(b, D + dt.timedelta(days=3), 7, 7, {"x": 7}),  # after last
            _day(c, D, 8, 8, {"export": 8}),
        ]
    )

    # when the frames of a and b from D to D + 2 are read
    daily, features = usage_frames(account_ids=[b, a, a], first=D, last=D + dt.timedelta(days=2))

    # then exactly those days, with the core's column types
    assert daily.schema == DAILY_SCHEMA
    assert features.schema == FEATURE_DAILY_SCHEMA
    assert sorted(daily.rows()) == [
        (a, D, 5, 2),
        (a, D + dt.timedelta(days=2), 1, 1),
        (b, D + dt.timedelta(days=2), 4, 1),
    ]
    assert sorted(features.rows()) == [
        (a, D, "export", 3),
        (a, D, "report", 2),
        (a, D + dt.timedelta(days=2), "export", 0),
    ]


@pytest.mark.django_db
def test_no_accounts_or_no_rows_give_empty_frames_of_the_right_shape(world: World) -> None:
    # given no usage at all
    # when the frames of nobody, and of an account without usage, are read
    for ids in ([], [world.account.pk]):
        daily, features = usage_frames(account_ids=ids, first=D, last=D)

        # then both are empty with the core's columns
        assert daily.equals(pl.DataFrame(schema=DAILY_SCHEMA))
        assert features.equals(pl.DataFrame(schema=FEATURE_DAILY_SCHEMA))


@pytest.mark.django_db
def test_it_reads_in_chunks_of_accounts_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three accounts with one day each and chunks of two accounts
    ids = [world.account.pk, world.other_account.pk, AccountFactory().pk]
    UsageDay.objects.bulk_create([_day(pk, D, pk, 1, {"f": 1}) for pk in ids])
    monkeypatch.setattr(frames, "CHUNK", 2)

    # when the frames are read
    with CaptureQueriesContext(connection) as queries:
        daily, features = usage_frames(account_ids=ids, first=D, last=D)

    # then two SELECTs and nothing else, every account read once
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT", "SELECT"]
    assert sorted(daily["account_id"].to_list()) == sorted(ids)
    assert features.height == 3
