"""Coverage rate (カバー率): window boundaries, time zones, kinds, groups, worklist and trend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kizuna.core.calendar import local_day
from kizuna.core.coverage import (
    DEFAULT_POLICIES,
    AccountAtDate,
    CoverageCount,
    CoverageDue,
    CoveragePolicy,
    CoverageRow,
    Touch,
    coverage_due,
    coverage_from_counts,
    coverage_rates,
    coverage_trend,
    falls_out_on,
    index_touches,
)

JST = ZoneInfo("Asia/Tokyo")
HUMAN = frozenset({"meeting", "call", "email", "onsite", "other"})
HIGH = CoveragePolicy("high", 1, 0.8, HUMAN)
LOW = CoveragePolicy("low", 3, 0.7, HUMAN)
TECH = CoveragePolicy("tech", 6, 0.5, HUMAN | {"webinar"})


def _account(
    account_id: int, segment: str = "high", owner: int | None = 1, team: int | None = 10
) -> AccountAtDate:
    return AccountAtDate(account_id, segment, owner, team, mrr=100_000)


def _segment_row(report_rows: tuple[CoverageRow, ...], segment: str) -> CoverageRow:
    return next(row for row in report_rows if row.segment == segment)


@pytest.mark.parametrize(
    ("last_touch", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),  # covers through 2026-02-14
        (date(2026, 1, 31), 1, date(2026, 3, 1)),  # still covers as of 2026-02-28
        (date(2026, 1, 28), 1, date(2026, 2, 28)),
        (date(2028, 1, 30), 1, date(2028, 3, 1)),  # leap February ends on the 29th
        (date(2026, 11, 30), 3, date(2027, 3, 1)),
        (date(2026, 3, 31), 6, date(2026, 10, 1)),  # September has 30 days
    ],
)
def test_falls_out_on(last_touch: date, months: int, expected: date) -> None:
    # given / when / then
    assert falls_out_on(last_touch, months) == expected


def test_a_touch_exactly_on_d_minus_p_does_not_count_but_the_next_day_and_d_do() -> None:
    # given five high-touch accounts as of 2026-03-31; d − 1 month = 2026-02-28
    accounts = [_account(i) for i in (1, 2, 3, 4, 5)]
    touches = [
        Touch(1, "meeting", date(2026, 2, 28)),  # on d − P: excluded
        Touch(2, "meeting", date(2026, 3, 1)),  # d − P + 1 day: counted
        Touch(3, "call", date(2026, 3, 31)),  # on d: counted
        Touch(4, "meeting", date(2026, 4, 1)),  # after d: not yet happened
    ]

    # when
    report = coverage_rates(accounts, touches, [HIGH], as_of=date(2026, 3, 31))

    # then
    assert report.by_segment == (CoverageRow("high", None, None, 2, 5, 0.4, 0.8, False),)


def test_a_meeting_at_2330_jst_on_the_last_day_counts_for_that_month() -> None:
    # given two touches near midnight JST at the end of October
    late = datetime(2026, 10, 31, 23, 30, tzinfo=JST)  # 14:30 UTC on 31 October
    early_next = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)  # 00:30 JST on 1 November
    accounts = [_account(1), _account(2)]
    touches = [
        Touch(1, "meeting", local_day(late, JST)),
        Touch(2, "meeting", local_day(early_next, JST)),
    ]

    # when
    report = coverage_rates(accounts, touches, [HIGH], as_of=date(2026, 10, 31))

    # then the first is October's, the second belongs to November although its UTC day is the 31st
    assert local_day(late, JST) == date(2026, 10, 31)
    assert local_day(early_next, JST) == date(2026, 11, 1)
    assert (report.by_segment[0].covered, report.by_segment[0].total) == (1, 2)


def test_only_qualifying_kinds_count_for_the_account_segment() -> None:
    # given a webinar and a note for a high-touch account, and the same for a tech-touch account
    accounts = [_account(1, "high"), _account(2, "tech"), _account(3, "tech")]
    touches = [
        Touch(1, "webinar", date(2026, 6, 10)),
        Touch(1, "note", date(2026, 6, 11)),
        Touch(2, "webinar", date(2026, 6, 10)),
        Touch(3, "note", date(2026, 6, 11)),
    ]

    # when
    report = coverage_rates(accounts, touches, DEFAULT_POLICIES, as_of=date(2026, 6, 30))

    # then the webinar covers the tech account only; a note never counts
    high = _segment_row(report.by_segment, "high")
    tech = _segment_row(report.by_segment, "tech")
    assert (high.covered, high.total, high.rate) == (0, 1, 0.0)
    assert (tech.covered, tech.total, tech.rate) == (1, 2, 0.5)
    assert tech.meets_target is True


def test_an_empty_segment_has_an_undefined_rate_not_zero() -> None:
    # given no low-touch account at all
    accounts = [_account(1, "high")]

    # when
    report = coverage_rates(accounts, [], [HIGH, LOW], as_of=date(2026, 6, 30))

    # then
    assert report.by_segment[1] == CoverageRow("low", None, None, 0, 0, None, 0.7, None)
    assert report.by_team == (CoverageRow("high", 10, None, 0, 1, 0.0, 0.8, False),)


def test_no_accounts_at_all_gives_one_undefined_row_per_policy() -> None:
    # given / when
    report = coverage_rates([], [], [HIGH], as_of=date(2026, 6, 30))

    # then
    assert report.by_segment == (CoverageRow("high", None, None, 0, 0, None, 0.8, None),)
    assert (report.by_team, report.by_csm, report.no_policy) == ((), (), 0)


def test_rows_per_team_and_per_csm_with_unassigned_last() -> None:
    # given high-touch accounts of two teams and an unassigned one, and a community account
    accounts = [
        _account(1, owner=7, team=20),
        _account(2, owner=3, team=10),
        _account(3, owner=3, team=10),
        _account(4, owner=None, team=None),
        _account(5, "community", owner=3, team=10),
    ]
    touches = [Touch(1, "meeting", date(2026, 6, 1)), Touch(2, "email", date(2026, 6, 2))]

    # when
    report = coverage_rates(accounts, touches, [HIGH], as_of=date(2026, 6, 30))

    # then
    assert report.by_team == (
        CoverageRow("high", 10, None, 1, 2, 0.5, 0.8, False),
        CoverageRow("high", 20, None, 1, 1, 1.0, 0.8, True),
        CoverageRow("high", None, None, 0, 1, 0.0, 0.8, False),
    )
    assert report.by_csm == (
        CoverageRow("high", None, 3, 1, 2, 0.5, 0.8, False),
        CoverageRow("high", None, 7, 1, 1, 1.0, 0.8, True),
        CoverageRow("high", None, None, 0, 1, 0.0, 0.8, False),
    )
    # and the community account, without a policy, is only counted as such
    assert report.by_segment[0].total == 4
    assert report.no_policy == 1


@pytest.mark.parametrize(
    ("covered", "total", "target", "meets"),
    [(4, 5, 0.8, True), (7, 10, 0.7, True), (2, 3, 0.67, False), (67, 100, 0.67, True)],
)
def test_the_target_is_compared_exactly(
    covered: int, total: int, target: float, meets: bool
) -> None:
    # given
    policy = CoveragePolicy("high", 1, target, HUMAN)
    accounts = [_account(i) for i in range(total)]
    touches = [Touch(i, "call", date(2026, 6, 15)) for i in range(covered)]

    # when
    row = coverage_rates(accounts, touches, [policy], as_of=date(2026, 6, 30)).by_segment[0]

    # then
    assert (row.covered, row.total, row.meets_target) == (covered, total, meets)


def test_an_account_churned_mid_period_leaves_the_denominator() -> None:
    # given account 2 is active at the end of January and churned in February (MRR 0 at d)
    january = [_account(1), _account(2)]
    february = [_account(1)]
    touches = [Touch(2, "meeting", date(2026, 2, 3))]

    # when
    reports = coverage_trend(
        {date(2026, 1, 31): january, date(2026, 2, 28): february},
        touches,
        [HIGH],
        first_month=date(2026, 1, 1),
        last_month=date(2026, 2, 1),
    )

    # then in February the churned account is not counted, touched or not
    assert [(r.as_of, r.by_segment[0].covered, r.by_segment[0].total) for r in reports] == [
        (date(2026, 1, 31), 0, 2),
        (date(2026, 2, 28), 0, 1),
    ]


def test_the_trend_uses_each_month_end_with_its_own_window() -> None:
    # given a low-touch account (3 months) touched on 2026-01-31 and a callable book
    touches = [Touch(1, "onsite", date(2026, 1, 31))]

    # when
    reports = coverage_trend(
        lambda day: [_account(1, "low")],
        index_touches(touches),
        [LOW],
        first_month=date(2025, 12, 15),
        last_month=date(2026, 5, 2),
    )

    # then: (d − 3 months, d] contains 2026-01-31 at the ends of Jan, Feb, Mar and Apr
    # (2026-04-30 − 3 months = 2026-01-30 < 2026-01-31), not at the ends of Dec or May
    assert [(r.as_of, r.by_segment[0].covered) for r in reports] == [
        (date(2025, 12, 31), 0),
        (date(2026, 1, 31), 1),
        (date(2026, 2, 28), 1),
        (date(2026, 3, 31), 1),
        (date(2026, 4, 30), 1),
        (date(2026, 5, 31), 0),
    ]


def test_a_trend_mapping_without_a_month_end_raises() -> None:
    # given / when / then
    with pytest.raises(KeyError):
        coverage_trend({}, [], [HIGH], first_month=date(2026, 1, 1), last_month=date(2026, 1, 1))


def test_bad_inputs_are_refused() -> None:
    # given / when / then
    with pytest.raises(ValueError, match="twice"):
        coverage_rates([_account(1), _account(1)], [], [HIGH], as_of=date(2026, 6, 30))
    with pytest.raises(ValueError, match="two coverage policies"):
        coverage_rates([], [], [HIGH, HIGH], as_of=date(2026, 6, 30))
    with pytest.raises(ValueError, match="period_months"):
        CoveragePolicy("high", 0, 0.8, HUMAN)
    with pytest.raises(ValueError, match="target"):
        CoveragePolicy("high", 1, 80, HUMAN)


def test_the_worklist_orders_by_days_left_then_mrr() -> None:
    # given as of 2026-02-20, high touch (1 month)
    accounts = [
        AccountAtDate(1, "high", 5, 10, 300),  # touched 2026-02-01 → falls out 2026-03-01
        AccountAtDate(2, "high", 5, 10, 100),  # touched 2026-01-25 → 2026-02-25
        AccountAtDate(3, "high", 5, 10, 900),  # touched 2026-01-25 → 2026-02-25, more MRR
        AccountAtDate(4, "high", 5, 10, 50),  # never touched
        AccountAtDate(5, "high", 5, 10, 70),  # touched 2026-01-10 → 2026-02-10, overdue
        AccountAtDate(6, "community", 5, 10, 70),  # no policy: not on the worklist
    ]
    touches = [
        Touch(1, "meeting", date(2026, 2, 1)),
        Touch(2, "meeting", date(2026, 1, 25)),
        Touch(3, "call", date(2026, 1, 25)),
        Touch(3, "webinar", date(2026, 2, 15)),  # does not qualify for high touch
        Touch(5, "email", date(2026, 1, 10)),
        Touch(5, "email", date(2026, 2, 21)),  # after as_of: ignored
    ]

    # when
    lines = coverage_due(accounts, touches, [HIGH], as_of=date(2026, 2, 20))

    # then
    assert lines == [
        CoverageDue(4, "high", 5, 10, 50, None, None, None, False),
        CoverageDue(5, "high", 5, 10, 70, date(2026, 1, 10), date(2026, 2, 10), -10, False),
        CoverageDue(3, "high", 5, 10, 900, date(2026, 1, 25), date(2026, 2, 25), 5, True),
        CoverageDue(2, "high", 5, 10, 100, date(2026, 1, 25), date(2026, 2, 25), 5, True),
        CoverageDue(1, "high", 5, 10, 300, date(2026, 2, 1), date(2026, 3, 1), 9, True),
    ]


def test_the_worklist_agrees_with_the_rate_on_every_day() -> None:
    # given accounts touched on month ends and mid-month, over a clamping February
    touches = [
        Touch(1, "meeting", date(2026, 1, 31)),
        Touch(2, "meeting", date(2026, 1, 29)),
        Touch(3, "meeting", date(2026, 1, 15)),
    ]
    accounts = [_account(1), _account(2), _account(3)]
    index = index_touches(touches)
    day = date(2026, 1, 31)

    while day <= date(2026, 3, 5):
        # when
        report = coverage_rates(accounts, index, [HIGH], as_of=day)
        lines = coverage_due(accounts, index, [HIGH], as_of=day)

        # then
        assert report.by_segment[0].covered == sum(line.covered for line in lines), day
        day += timedelta(days=1)
    last_day = coverage_due(accounts, index, [HIGH], as_of=date(2026, 2, 28))
    assert [(line.account_id, line.days_left) for line in last_day] == [(3, -13), (1, 1), (2, 1)]


def test_counts_made_elsewhere_give_the_same_report_as_the_touches() -> None:
    # given five accounts in two teams and one unassigned, and a community account (no policy)
    accounts = [
        _account(1),
        _account(2),
        _account(3, owner=2, team=11),
        _account(4, owner=None, team=None),
        _account(5, segment="low", owner=2, team=11),
        _account(6, segment="community"),
    ]
    day = date(2026, 3, 31)
    touches = [Touch(1, "meeting", date(2026, 3, 2)), Touch(5, "call", date(2026, 1, 5))]
    expected = coverage_rates(accounts, touches, [HIGH, LOW, TECH], as_of=day)
    # when the same accounts are counted per (segment, team, owner, covered) group, one group
    # split in two counts
    counts = [
        CoverageCount("high", 10, 1, True, 1),
        CoverageCount("high", 10, 1, False, 1),
        CoverageCount("high", 11, 2, False, 1),
        CoverageCount("high", None, None, False, 1),
        CoverageCount("low", 11, 2, True, 1),
        CoverageCount("community", 10, 1, False, 1),
    ]
    report = coverage_from_counts(counts, [HIGH, LOW, TECH], as_of=day)
    # then every row, rate and the accounts without a policy are the same
    assert report == expected
    assert _segment_row(report.by_segment, "high").covered == 1
    assert _segment_row(report.by_segment, "high").total == 4
    assert report.no_policy == 1


def test_counts_refuse_a_negative_number_and_keep_empty_segments_undefined() -> None:
    with pytest.raises(ValueError, match="negative"):
        coverage_from_counts(
            [CoverageCount("high", 1, 1, True, -1)], [HIGH], as_of=date(2026, 1, 1)
        )
    report = coverage_from_counts([], [HIGH, LOW], as_of=date(2026, 1, 1))
    assert [(row.segment, row.total, row.rate) for row in report.by_segment] == [
        ("high", 0, None),
        ("low", 0, None),
    ]
