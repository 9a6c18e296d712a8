"""Quiet hours (across midnight, equal ends, none) and the retry schedule, table-driven."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from kizuna.core.delivery import MAX_ATTEMPTS, in_quiet_hours, quiet_hours_end, retry_delay

T = dt.time
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("local", "start", "end", "quiet"),
    [
        (T(21, 59, 59), T(22), T(7), False),
        (T(22), T(22), T(7), True),  # the start is quiet
        (T(23, 59, 59, 999999), T(22), T(7), True),
        (T(0), T(22), T(7), True),
        (T(6, 59, 59), T(22), T(7), True),
        (T(7), T(22), T(7), False),  # the end is not
        (T(12), T(9), T(17), True),
        (T(17), T(9), T(17), False),
        (T(8, 59), T(9), T(17), False),
        (T(3), T(5), T(5), False),  # equal ends: no quiet hours
        (T(3), None, T(5), False),
        (T(3), T(1), None, False),
    ],
)
def test_in_quiet_hours(
    local: dt.time, start: dt.time | None, end: dt.time | None, quiet: bool
) -> None:
    assert in_quiet_hours(local, start=start, end=end) is quiet


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 23:30 Tokyo (14:30 UTC): the quiet hours end at 07:00 the next day
        (
            dt.datetime(2026, 11, 30, 14, 30, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 1, 7, 0, tzinfo=TOKYO),
        ),
        # 01:00 Tokyo: the same day's 07:00
        (
            dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 1, 7, 0, tzinfo=TOKYO),
        ),
        # 07:00 Tokyo: not quiet
        (dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.UTC), None),
        # year 1, 09:00 Tokyo: not quiet
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC), None),
        # 9999-12-31 23:00 Tokyo: quiet, but there is no next morning on the calendar
        (dt.datetime(9999, 12, 31, 14, 0, tzinfo=dt.UTC), None),
        # 9999-12-31 01:00 Tokyo: the same day's 07:00
        (
            dt.datetime(9999, 12, 30, 16, 0, tzinfo=dt.UTC),
            dt.datetime(9999, 12, 31, 7, 0, tzinfo=TOKYO),
        ),
    ],
)
def test_quiet_hours_end_in_the_company_time_zone(
    now: dt.datetime, expected: dt.datetime | None
) -> None:
    assert quiet_hours_end(now, zone=TOKYO, start=T(22), end=T(7)) == expected


def test_quiet_hours_end_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError):
        quiet_hours_end(dt.datetime(2026, 1, 1), zone=TOKYO, start=T(22), end=T(7))


def test_quiet_hours_over_a_daylight_saving_change_end_at_the_local_wall_clock() -> None:
    # 2026-03-08 is the spring change in New York; quiet 22:00–07:00 from 23:00 on the 7th
    now = dt.datetime(2026, 3, 7, 23, 0, tzinfo=NEW_YORK)
    end = quiet_hours_end(now, zone=NEW_YORK, start=T(22), end=T(7))
    assert end is not None
    assert end.astimezone(dt.UTC) == dt.datetime(2026, 3, 8, 11, 0, tzinfo=dt.UTC)  # EDT


def test_the_retry_schedule() -> None:
    minute = dt.timedelta(minutes=1)
    waits = [retry_delay(n) for n in range(-1, MAX_ATTEMPTS + 2)]
    assert waits == [
        None,
        None,
        minute,
        5 * minute,
        30 * minute,
        120 * minute,
        720 * minute,
        None,
        None,
    ]
    assert MAX_ATTEMPTS == 6
