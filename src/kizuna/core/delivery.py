"""When a notification or webhook delivery goes out: quiet hours and the retry schedule.

Pure: times are given; the caller brings the clock and the company's time zone.
"""

from __future__ import annotations

import datetime as dt

#: The waits after each failed attempt: 1 min, 5 min, 30 min, 2 h, 12 h. A delivery that
#: fails a sixth time (its first try and the five retries) is dead: it waits for a replay.
RETRY_DELAYS: tuple[dt.timedelta, ...] = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def retry_delay(attempts: int) -> dt.timedelta | None:
    """The wait before the next attempt after ``attempts`` failed ones (1 → 1 minute, …,
    5 → 12 hours); None from the sixth failure on (the delivery is dead) and for ``attempts``
    below 1."""
    if attempts < 1 or attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts - 1]


def in_quiet_hours(local: dt.time, *, start: dt.time | None, end: dt.time | None) -> bool:
    """Is the local wall-clock time ``local`` inside the quiet hours [start, end)?

    ``start`` included, ``end`` excluded. When ``start`` > ``end`` the quiet hours cross
    midnight (22:00–07:00 is 22:00 to 23:59:59… and 00:00 to 06:59:59…). No quiet hours when
    either bound is missing or both are equal."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(
    now: dt.datetime, *, zone: dt.tzinfo, start: dt.time | None, end: dt.time | None
) -> dt.datetime | None:
    """When the quiet hours that ``now`` (aware) falls in end, as an aware datetime in
    ``zone``; None when ``now`` is outside quiet hours.

    The end is ``end`` on the local day of ``now``, or on the next day when that moment has
    passed (22:00–07:00 at 23:30 ends at 07:00 the next day; at 01:00, the same day). A
    wall-clock time that a daylight-saving change skips resolves as ``zoneinfo`` does
    (fold=0). On the calendar's last day (9999-12-31) there is no next morning: None."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    local = now.astimezone(zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), start=start, end=end):
        return None
    assert end is not None  # in_quiet_hours is False without one
    candidate = dt.datetime.combine(local.date(), end, tzinfo=zone)
    if candidate <= local:
        try:
            next_day = local.date() + dt.timedelta(days=1)
        except OverflowError:  # the last day of year 9999: no morning after, send now
            return None
        candidate = dt.datetime.combine(next_day, end, tzinfo=zone)
    return candidate
