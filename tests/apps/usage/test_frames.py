"""``usage.frames.usage_frames``: the rollups as the core's daily and feature frames."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.apps.usage import frames
from kizuna.apps.usage.frames import (
    DAILY_SCHEMA,
    FEATURE_DAILY_SCHEMA,
    feature_daily_decode,
    usage_frames,
)
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


def _as_json_loads(texts: list[str | None]) -> list[tuple[int, dt.date, str, int]]:
    """What decoding each text with ``json.loads`` and reading it pair by pair gives."""
    return [
        (i, D, feature, int(n))
        for i, text in enumerate(texts)
        for feature, n in (json.loads(text or "{}") or {}).items()
    ]


HOSTILE = [
    None,
    "{}",
    "null",
    '{"export": 3, "report": 0}',
    '{"report": 2,"export":-4}',  # no spaces, a negative count
    '{ "経費精算": 1 , "a\\"b": 2, "c\\\\": 3, "\\u7d4c": 4 }',  # Japanese, escapes
    '{"x\\": 5, \\"y": 6}',  # a key that looks like two pairs
    '{"big": 9223372036854775807, "zero": -0}',
    '{"half": 1.5, "e": 1e3, "after": 7}',  # not integers: decoded by json.loads
    '{"a": 1, "a": 2}',  # a repeated key: json.loads keeps the last
    '{"\\u7d4c": 1, "経": 2, "k": 3}',  # the same key written twice differently
    '{"deep": {"n": 1}}',
]


@pytest.mark.parametrize("texts", [HOSTILE, HOSTILE[3:8], [None, "{}"], []])
def test_polars_decodes_the_feature_counts_as_json_loads_does(texts: list[str | None]) -> None:
    # given rows whose feature counts are these JSON texts
    frame = pl.DataFrame(
        {"account_id": range(len(texts)), "day": [D] * len(texts), "counts": texts},
        schema={"account_id": pl.Int64, "day": pl.Date, "counts": pl.String},
    )
    if any(t and "deep" in t for t in texts):  # an object as a count: int() refuses it
        with pytest.raises(TypeError):
            feature_daily_decode(frame)
        frame = frame.filter(~pl.col("counts").str.contains("deep").fill_null(False))
        texts = [t for t in texts if not (t and "deep" in t)]
    # when decoded by Polars
    decoded = feature_daily_decode(frame)
    # then the same pairs in the same order (rows, then each object's keys)
    assert decoded.schema == FEATURE_DAILY_SCHEMA
    assert decoded.rows() == _as_json_loads(texts)


@pytest.mark.django_db
def test_the_frames_read_the_stored_json_as_django_reads_it(world: World) -> None:
    # given stored counts with Japanese names, escapes and a zero
    counts = [{"経費精算": 2, 'q"uote': 1, "z": 0}, {}, {"b": 5, "a": 4}]
    UsageDay.objects.bulk_create(
        [_day(world.account.pk, D + dt.timedelta(days=i), 1, 1, c) for i, c in enumerate(counts)]
    )
    # when read as frames
    _daily, features = usage_frames(
        account_ids=[world.account.pk], first=D, last=D + dt.timedelta(days=9)
    )
    # then every pair as the JSONField gives it
    expected = [
        (world.account.pk, day, feature, n)
        for day, stored in UsageDay.objects.order_by("day").values_list("day", "feature_counts")
        for feature, n in (stored or {}).items()
    ]
    assert sorted(features.rows()) == sorted(expected)
    assert len(expected) == 5
