"""Today's survey invitations: due days (month ends, recurring), multi-line accounts,
throttling, quiet hours, inactive contacts and accounts, lines cancelled before the due day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from kizuna.core.voc.schedule import (
    AccountRow,
    ContactRow,
    EarlierInvitation,
    LineRow,
    OnboardingDoneRow,
    ProgramRow,
    ScheduleRow,
    TouchpointRow,
    TriggerName,
    plan_invitations,
    recurring_start_days,
    send_after,
)

TOKYO = ZoneInfo("Asia/Tokyo")
# 10:00 in Tokyo: outside the default quiet hours (20:00-08:00)
MORNING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
NPS = ProgramRow(
    program_id=1, contact_roles=frozenset({"decision_maker", "admin"}), throttle_days=60
)


def schedule(
    schedule_id: int,
    trigger: TriggerName = "line_start",
    offset: int = 30,
    every: int | None = None,
    kind: str = "",
) -> ScheduleRow:
    return ScheduleRow(schedule_id, 1, trigger, offset, every, kind)


def contact(contact_id: int, role: str = "decision_maker", **kw: object) -> ContactRow:
    defaults: dict[str, object] = {"account_id": 10, "email": f"c{contact_id}@example.jp"}
    defaults.update(kw)
    return ContactRow(contact_id=contact_id, contact_role=role, **defaults)  # type: ignore[arg-type]


def plan(today: date, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "programs": [NPS],
        "schedules": [schedule(100)],
        "accounts": [AccountRow(10)],
        "contacts": [contact(1)],
        "today": today,
        "now": MORNING,
    }
    args.update(kw)
    return plan_invitations(**args)  # type: ignore[arg-type]


def summary(result) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [
        (p.schedule_id, p.contact_id, p.line_id, p.due_on.isoformat(), p.tenure_days, p.skip_reason)
        for p in result.all
    ]


# --- due days ---


def test_it_asks_on_the_30th_day_after_a_line_starts_and_not_the_day_before() -> None:
    # given a line that started 2026-01-31 and the NPS at day 30
    lines = [LineRow(7, 10, 3, date(2026, 1, 31))]
    # when the job runs on 2026-03-01 (31 + 30 days) and the day before
    due = plan(date(2026, 3, 2), lines=lines)
    before = plan(date(2026, 3, 1), lines=lines)
    # then it asks once, on 2026-03-02, with the line's product and tenure
    assert summary(due) == [(100, 1, 7, "2026-03-02", 30, None)]
    assert due.to_send[0].product_id == 3
    assert summary(before) == []


def test_it_asks_on_day_30_in_a_leap_february() -> None:
    lines = [LineRow(7, 10, 3, date(2024, 1, 30))]
    assert summary(plan(date(2024, 2, 29), lines=lines)) == [(100, 1, 7, "2024-02-29", 30, None)]


@pytest.mark.parametrize(
    ("start", "due_days"),
    [
        # from 31 January every month: clamped to each month's end, counted from the start
        (date(2026, 1, 31), ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]),
        # leap year
        (date(2024, 1, 31), ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]),
        (date(2026, 1, 15), ["2026-02-15", "2026-03-15", "2026-04-15", "2026-05-15"]),
    ],
)
def test_it_asks_every_month_at_month_ends(start: date, due_days: list[str]) -> None:
    # given a monthly recurring schedule without throttling
    program = ProgramRow(1, frozenset({"decision_maker"}), throttle_days=0)
    lines = [LineRow(7, 10, None, start)]
    found = []
    day = date(start.year, 1, 1)
    # when the job runs every day of five months
    while day < date(start.year, 6, 1):
        result = plan(
            day, programs=[program], schedules=[schedule(100, "recurring", 0, 1)], lines=lines
        )
        found += [p.due_on.isoformat() for p in result.to_send]
        day = date.fromordinal(day.toordinal() + 1)
    # then it asked on exactly these days (never on the start day itself)
    assert found == due_days


def test_it_asks_every_six_months_from_the_start_plus_the_offset() -> None:
    lines = [LineRow(7, 10, None, date(2025, 8, 31))]
    sched = [schedule(100, "recurring", 2, 6)]
    # 2025-08-31 + 6 months = 2026-02-28, + 2 days = 2026-03-02
    assert summary(plan(date(2026, 3, 2), schedules=sched, lines=lines)) == [
        (100, 1, 7, "2026-03-02", 183, None)
    ]
    assert summary(plan(date(2026, 3, 1), schedules=sched, lines=lines)) == []
    assert summary(plan(date(2025, 9, 2), schedules=sched, lines=lines)) == []


def test_it_asks_after_onboarding_completes_and_after_a_touchpoint() -> None:
    sched = [schedule(200, "onboarding_done", 7), schedule(300, "touchpoint", 1, kind="meeting")]
    contacts = [contact(1), contact(2, "admin"), contact(3, "user")]
    touches = [
        TouchpointRow(10, "meeting", date(2026, 3, 1), (2, 3)),  # contact 3 is not a role asked
        TouchpointRow(10, "call", date(2026, 3, 1)),  # another kind
        TouchpointRow(10, "note", date(2026, 3, 1)),  # never
    ]
    result = plan(
        date(2026, 3, 2),
        schedules=sched,
        contacts=contacts,
        onboardings=[OnboardingDoneRow(10, date(2026, 2, 23))],
        touchpoints=touches,
        programs=[ProgramRow(1, frozenset({"decision_maker", "admin"}), throttle_days=0)],
    )
    assert summary(result) == [
        (200, 1, None, "2026-03-02", None, None),
        (200, 2, None, "2026-03-02", None, None),
        (300, 2, None, "2026-03-02", None, None),
    ]


def test_a_touchpoint_without_contacts_asks_every_contact_of_the_role() -> None:
    result = plan(
        date(2026, 3, 2),
        schedules=[schedule(300, "touchpoint", 0)],
        contacts=[contact(1), contact(2, "admin"), contact(4, "user")],
        touchpoints=[TouchpointRow(10, "webinar", date(2026, 3, 2))],
    )
    # the decision maker and the admin, not the end user
    assert [p.contact_id for p in result.to_send] == [1, 2]
    assert result.skipped == ()


# --- multi-line accounts and throttling ---


def test_two_lines_due_the_same_day_ask_a_contact_once() -> None:
    # given an account with two lines started the same day and two contacts asked
    lines = [LineRow(8, 10, 4, date(2026, 1, 31)), LineRow(7, 10, 3, date(2026, 1, 31))]
    contacts = [contact(1), contact(2, "admin"), contact(3, "user")]
    # when day 30 comes
    result = plan(date(2026, 3, 2), lines=lines, contacts=contacts)
    # then each contact is asked for the first line (lowest id) and skipped for the second
    assert summary(result) == [
        (100, 1, 7, "2026-03-02", 30, None),
        (100, 2, 7, "2026-03-02", 30, None),
        (100, 1, 8, "2026-03-02", 30, "throttled"),
        (100, 2, 8, "2026-03-02", 30, "throttled"),
    ]


def test_a_contact_asked_is_asked_again_only_after_the_throttle_days() -> None:
    # given day 30 and day 90 schedules and a 60-day throttle
    sched = [schedule(100, "line_start", 30), schedule(101, "line_start", 90)]
    line = LineRow(7, 10, 3, date(2026, 1, 1))
    earlier = [EarlierInvitation(100, 1, 7, date(2026, 1, 31))]
    # when day 90 comes exactly 60 days later
    result = plan(date(2026, 4, 1), schedules=sched, lines=[line], earlier=earlier)
    # then the contact is asked again
    assert summary(result) == [(101, 1, 7, "2026-04-01", 90, None)]
    # but with a 61-day throttle it is skipped
    strict = ProgramRow(1, NPS.contact_roles, throttle_days=61)
    result = plan(
        date(2026, 4, 1), programs=[strict], schedules=sched, lines=[line], earlier=earlier
    )
    assert summary(result) == [(101, 1, 7, "2026-04-01", 90, "throttled")]


def test_a_skipped_invitation_does_not_count_for_throttling() -> None:
    line = LineRow(7, 10, 3, date(2026, 1, 31))
    earlier = [EarlierInvitation(999, 1, None, date(2026, 3, 1), skipped=True)]
    assert summary(plan(date(2026, 3, 2), lines=[line], earlier=earlier)) == [
        (100, 1, 7, "2026-03-02", 30, None)
    ]


def test_a_rerun_plans_nothing_that_exists() -> None:
    line = LineRow(7, 10, 3, date(2026, 1, 31))
    first = plan(date(2026, 3, 2), lines=[line])
    earlier = [EarlierInvitation(*p.key, skipped=p.skip_reason is not None) for p in first.all]
    assert summary(plan(date(2026, 3, 2), lines=[line], earlier=earlier)) == []


def test_it_catches_up_missed_days_and_only_those() -> None:
    line = LineRow(7, 10, 3, date(2026, 1, 31))  # due 2026-03-02
    assert summary(plan(date(2026, 3, 4), lines=[line], catch_up_days=2)) == [
        (100, 1, 7, "2026-03-02", 30, None)
    ]
    assert summary(plan(date(2026, 3, 5), lines=[line], catch_up_days=2)) == []


# --- skips ---


def test_it_records_why_each_contact_is_skipped() -> None:
    lines = [
        LineRow(7, 10, 3, date(2026, 1, 31)),
        LineRow(9, 11, 3, date(2026, 1, 31), date(2026, 3, 2)),
    ]
    contacts = [
        contact(1),
        contact(2, active=False),
        contact(3, email="  "),
        contact(4, "user"),  # a role not asked: not planned at all
        contact(5, account_id=11),  # the line cancelled the due day (end exclusive)
        contact(6, account_id=12),  # a churned account
    ]
    lines.append(LineRow(12, 12, 3, date(2026, 1, 31)))
    result = plan(
        date(2026, 3, 2),
        lines=lines,
        contacts=contacts,
        accounts=[AccountRow(10), AccountRow(11), AccountRow(12, active=False)],
    )
    assert summary(result) == [
        (100, 1, 7, "2026-03-02", 30, None),
        (100, 2, 7, "2026-03-02", 30, "contact_inactive"),
        (100, 3, 7, "2026-03-02", 30, "no_email"),
        (100, 5, 9, "2026-03-02", 30, "line_ended"),
        (100, 6, 12, "2026-03-02", 30, "account_inactive"),
    ]


def test_a_line_ending_after_the_due_day_is_asked() -> None:
    line = LineRow(7, 10, 3, date(2026, 1, 31), date(2026, 3, 3))
    assert summary(plan(date(2026, 3, 2), lines=[line])) == [(100, 1, 7, "2026-03-02", 30, None)]


def test_an_inactive_program_or_schedule_plans_nothing() -> None:
    line = LineRow(7, 10, 3, date(2026, 1, 31))
    off = ProgramRow(1, NPS.contact_roles, active=False)
    assert summary(plan(date(2026, 3, 2), lines=[line], programs=[off])) == []
    sched = [ScheduleRow(100, 1, "line_start", 30, active=False)]
    assert summary(plan(date(2026, 3, 2), lines=[line], schedules=sched)) == []


def test_it_survives_dates_at_the_ends_of_the_calendar() -> None:
    lines = [LineRow(7, 10, 3, date(9999, 12, 31)), LineRow(8, 10, 3, date(1, 1, 1))]
    sched = [schedule(100), schedule(101, "recurring", 0, 6)]
    assert summary(plan(date(9999, 12, 31), lines=lines, schedules=sched)) == []
    assert summary(plan(date(1, 1, 1), lines=lines, schedules=sched, catch_up_days=5)) == []


def test_a_contact_language_other_than_ja_or_en_falls_back_to_japanese() -> None:
    line = LineRow(7, 10, 3, date(2026, 1, 31))
    contacts = [contact(1, language="en"), contact(2, "admin", language="fr")]
    result = plan(date(2026, 3, 2), lines=[line], contacts=contacts)
    assert [(p.contact_id, p.language) for p in result.to_send] == [(1, "en"), (2, "ja")]


# --- quiet hours ---


@pytest.mark.parametrize(
    ("utc", "expected_tokyo"),
    [
        ((2026, 3, 2, 1, 0), (2026, 3, 2, 10, 0)),  # 10:00 Tokyo: now
        ((2026, 3, 2, 10, 59), (2026, 3, 2, 19, 59)),  # 19:59: now
        ((2026, 3, 2, 11, 0), (2026, 3, 3, 8, 0)),  # 20:00: next morning
        ((2026, 3, 2, 14, 59), (2026, 3, 3, 8, 0)),  # 23:59: next morning
        ((2026, 3, 2, 15, 0), (2026, 3, 3, 8, 0)),  # 00:00: this morning
        ((2026, 3, 2, 22, 59), (2026, 3, 3, 8, 0)),  # 07:59: this morning
        ((2026, 3, 2, 23, 0), (2026, 3, 3, 8, 0)),  # 08:00: now
        ((2026, 3, 31, 12, 0), (2026, 4, 1, 8, 0)),  # 21:00 on 31 March: 1 April
    ],
)
def test_quiet_hours_move_the_send_to_the_next_morning(
    utc: tuple[int, ...], expected_tokyo: tuple[int, ...]
) -> None:
    now = datetime(*utc, tzinfo=UTC)  # type: ignore[misc]
    result = send_after(now, quiet_start=20, quiet_end=8, zone=TOKYO)
    assert result == datetime(*expected_tokyo, tzinfo=TOKYO)  # type: ignore[misc]


def test_quiet_hours_within_a_day_and_none_when_equal() -> None:
    now = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 13:00 Tokyo
    assert send_after(now, quiet_start=12, quiet_end=14, zone=TOKYO) == datetime(
        2026, 3, 2, 14, 0, tzinfo=TOKYO
    )
    assert send_after(now, quiet_start=8, quiet_end=8, zone=TOKYO) == now
    with pytest.raises(ValueError, match="aware"):
        send_after(datetime(2026, 3, 2, 4, 0), quiet_start=20, quiet_end=8, zone=TOKYO)


def test_an_invitation_due_in_quiet_hours_is_sent_later_not_skipped() -> None:
    line = LineRow(7, 10, 3, date(2026, 1, 31))
    night = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 22:00 Tokyo
    result = plan(date(2026, 3, 2), lines=[line], now=night)
    assert summary(result) == [(100, 1, 7, "2026-03-02", 30, None)]
    assert result.to_send[0].send_after == datetime(2026, 3, 3, 8, 0, tzinfo=TOKYO)


def test_the_start_days_a_recurring_schedule_reads() -> None:
    yearly = ScheduleRow(1, 1, "recurring", 0, every_months=12)
    days = recurring_start_days(
        yearly, today=date(2026, 2, 28), catch_up_days=1, earliest=date(2023, 6, 1), limit=100
    )
    # the 27th and the 28th (the month's end: the 29th of a leap year too), one, two years back
    assert days == [
        date(2024, 2, 27),
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2025, 2, 27),
        date(2025, 2, 28),
    ]
    monthly = ScheduleRow(2, 1, "recurring", 3, every_months=1)
    assert recurring_start_days(
        monthly, today=date(2026, 3, 4), catch_up_days=0, earliest=date(2025, 12, 1), limit=100
    ) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert (
        recurring_start_days(
            monthly, today=date(2026, 3, 4), catch_up_days=0, earliest=date(1, 1, 1), limit=100
        )
        is None
    )
    never = ScheduleRow(3, 1, "recurring", 0, every_months=0)
    assert (
        recurring_start_days(
            never, today=date(2026, 3, 4), catch_up_days=0, earliest=date(1, 1, 1), limit=100
        )
        == []
    )
    # a due day before year 1 reads nothing
    far = ScheduleRow(4, 1, "recurring", 10**6, every_months=1)
    assert (
        recurring_start_days(
            far, today=date(2026, 3, 4), catch_up_days=0, earliest=date(1, 1, 1), limit=100
        )
        == []
    )
