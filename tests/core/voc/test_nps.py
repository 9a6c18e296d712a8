"""NPS and CSAT per cut and period (docs/metrics.md, "Voice of the customer"): exact values with
zero, one and many answers, the score boundaries 6/7/8/9, the tenure buckets' limits, fiscal
periods across April and the year end, response rates with nothing sent, hostile rows."""

from __future__ import annotations

import math
from datetime import date

import pytest

from kizuna.core.voc.nps import (
    CsatCell,
    NpsCell,
    ReportOptions,
    SurveyAnswerRow,
    SurveyInvitationRow,
    TenureBuckets,
    answers_frame,
    csat_report,
    invitations_frame,
    nps_category,
    nps_figures,
    nps_report,
    trend,
    validate_answers,
    validate_invitations,
)
from kizuna.core.voc.periods import Period, periods_between

D = date
APRIL_10, APRIL_1 = D(2026, 4, 10), D(2026, 4, 1)
APRIL = ReportOptions(first_day=D(2026, 4, 1), last_day=D(2026, 6, 30))


def answer(
    score: int,
    on: date = APRIL_10,
    *,
    segment: str = "high",
    product: int | None = 1,
    phase: str = "adoption",
    tenure: int | None = 30,
    kind: str = "nps",
) -> SurveyAnswerRow:
    return SurveyAnswerRow(1, segment, product, phase, tenure, on, score, kind)  # type: ignore[arg-type]


def invitation(
    answered: bool, on: date = APRIL_1, *, segment: str = "high", kind: str = "nps"
) -> SurveyInvitationRow:
    return SurveyInvitationRow(1, segment, 1, "adoption", 30, on, answered, kind)  # type: ignore[arg-type]


def cell(cells: list[NpsCell], cut: str, value: object, kind: str, index: int) -> NpsCell:
    (found,) = [
        c
        for c in cells
        if c.cut == cut and c.value == value and c.period.kind == kind and c.period.index == index
    ]
    return found


APRIL_2026 = 2026 * 12 + 3  # month index


# --- categories and figures -------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_nps_category_boundaries(score: int, category: str) -> None:
    assert nps_category(score) == category


@pytest.mark.parametrize("score", [-1, 11, True, 7.0, 10**30])
def test_nps_category_rejects_what_is_not_a_score(score: object) -> None:
    with pytest.raises(ValueError, match="0-10"):
        nps_category(score)  # type: ignore[arg-type]


def test_figures_of_no_answer_are_none_not_zero() -> None:
    figures = nps_figures(0, 0, 0)
    assert (figures.nps, figures.ci_low, figures.ci_high) == (None, None, None)
    assert figures.small_sample is True


@pytest.mark.parametrize(
    ("counts", "nps"), [((1, 0, 0), 100.0), ((0, 1, 0), 0.0), ((0, 0, 1), -100.0)]
)
def test_one_answer_gives_plus_or_minus_100_or_0_and_a_point_interval(
    counts: tuple[int, int, int], nps: float
) -> None:
    figures = nps_figures(*counts)
    assert (figures.nps, figures.ci_low, figures.ci_high, figures.small_sample) == (
        nps,
        nps,
        nps,
        True,
    )


def test_figures_of_ten_answers_exactly() -> None:
    # given 5 promoters, 3 passives, 2 detractors: m = 0.3, variance 0.5 + 0.2 − 0.09 = 0.61
    figures = nps_figures(5, 3, 2)
    half = 1.96 * math.sqrt(0.61 / 10)
    assert figures.nps == 30.0
    assert figures.ci_low == pytest.approx(100 * (0.3 - half), abs=1e-12)
    assert figures.ci_high == pytest.approx(100 * (0.3 + half), abs=1e-12)
    assert round(figures.ci_low, 2) == -18.41 and round(figures.ci_high, 2) == 78.41


def test_interval_is_clipped_to_plus_minus_100_and_takes_z() -> None:
    figures = nps_figures(9, 0, 1)  # m = 0.8, variance 1 − 0.64 = 0.36
    assert figures.ci_high == 100.0
    assert figures.ci_low == pytest.approx(100 * (0.8 - 1.96 * math.sqrt(0.036)))
    narrower = nps_figures(9, 0, 1, z=1.0)
    assert narrower.ci_low == pytest.approx(100 * (0.8 - math.sqrt(0.036)))


def test_small_sample_below_30_responses() -> None:
    assert nps_figures(29, 0, 0).small_sample is True
    assert nps_figures(30, 0, 0).small_sample is False
    assert nps_figures(10, 0, 0, min_responses=10).small_sample is False


# --- tenure buckets and periods -------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "30"),
        (45, "30"),
        (46, "90"),
        (135, "90"),
        (136, "later"),
        (3_000_000, "later"),
        (None, "unknown"),
    ],
)
def test_tenure_bucket_limits_are_inclusive(days: int | None, bucket: str) -> None:
    assert TenureBuckets().bucket(days) == bucket


def test_tenure_buckets_are_parameters() -> None:
    buckets = TenureBuckets(thirty_max_days=40, ninety_max_days=100)
    assert [buckets.bucket(d) for d in (40, 41, 100, 101)] == ["30", "90", "90", "later"]
    with pytest.raises(ValueError):
        TenureBuckets(thirty_max_days=90, ninety_max_days=90)


@pytest.mark.parametrize(
    ("day", "start", "year", "quarter"),
    [
        (D(2026, 3, 31), 4, 2025, 4),
        (D(2026, 4, 1), 4, 2026, 1),
        (D(2026, 12, 31), 4, 2026, 3),
        (D(2027, 1, 1), 4, 2026, 4),
        (D(2026, 12, 31), 1, 2026, 4),
        (D(2027, 1, 1), 1, 2027, 1),
        (D(2026, 9, 30), 10, 2025, 4),
        (D(2026, 10, 1), 10, 2026, 1),
    ],
)
def test_fiscal_periods_across_april_and_the_year_end(
    day: date, start: int, year: int, quarter: int
) -> None:
    (q,) = periods_between("quarter", day, day, start)
    (fy,) = periods_between("fiscal_year", day, day, start)
    assert (q.fiscal_year, q.number, fy.fiscal_year, fy.index) == (year, quarter, year, year)
    assert q.first_day <= day <= q.last_day and fy.first_day <= day <= fy.last_day


def test_period_days() -> None:
    (q4,) = periods_between("quarter", D(2027, 2, 1), D(2027, 2, 1), 4)
    assert (q4.first_day, q4.last_day) == (D(2027, 1, 1), D(2027, 3, 31))
    assert Period("fiscal_year", 2026, 4).last_day == D(2027, 3, 31)
    assert Period("month", 2024 * 12 + 1).last_day == D(2024, 2, 29)
    assert periods_between("month", D(2026, 5, 1), D(2026, 4, 30), 4) == []
    with pytest.raises(ValueError):
        periods_between("month", D(2026, 4, 1), D(2026, 4, 30), 13)


def test_periods_at_the_edges_of_the_calendar_keep_the_days_that_exist() -> None:
    (fy0,) = periods_between("fiscal_year", D(1, 1, 1), D(1, 3, 31), 4)
    assert (fy0.index, fy0.first_day, fy0.last_day) == (0, D(1, 1, 1), D(1, 3, 31))
    (fy9999,) = periods_between("fiscal_year", D(9999, 12, 31), D(9999, 12, 31), 4)
    assert (fy9999.first_day, fy9999.last_day) == (D(9999, 4, 1), D(9999, 12, 31))


# --- the report ---------------------------------------------------------------------------


def test_no_answer_gives_none_not_zero_and_every_period_of_the_range() -> None:
    # given nothing at all
    cells = nps_report([], [], APRIL)
    # then only the whole company, one cell per month, quarter and fiscal year, all empty
    assert [(c.cut, c.period.kind) for c in cells] == [
        ("all", "month"),
        ("all", "month"),
        ("all", "month"),
        ("all", "quarter"),
        ("all", "fiscal_year"),
    ]
    assert {(c.responses, c.invitations, c.nps, c.ci_low, c.response_rate) for c in cells} == {
        (0, 0, None, None, None)
    }


def test_one_answer() -> None:
    cells = nps_report([answer(10)], [], APRIL)
    april = cell(cells, "all", None, "month", APRIL_2026)
    assert (april.responses, april.promoters, april.nps, april.small_sample) == (1, 1, 100.0, True)
    assert (april.ci_low, april.ci_high) == (100.0, 100.0)
    may = cell(cells, "all", None, "month", APRIL_2026 + 1)
    assert (may.responses, may.nps) == (0, None)


def test_scores_6_7_8_9_fall_on_each_side_of_the_boundaries() -> None:
    cells = nps_report([answer(s) for s in (6, 7, 8, 9)], [], APRIL)
    april = cell(cells, "all", None, "month", APRIL_2026)
    assert (april.detractors, april.passives, april.promoters, april.nps) == (1, 2, 1, 0.0)


def test_response_rate_and_its_zero_denominator() -> None:
    # given high touch: 3 invitations sent in April, 2 answered; low touch: an answer, no invitation
    answers = [answer(9), answer(3), answer(8, segment="low")]
    invitations = [invitation(True), invitation(True), invitation(False)]
    cells = nps_report(answers, invitations, APRIL)
    high = cell(cells, "segment", "high", "month", APRIL_2026)
    assert (high.invitations, high.answered_invitations, high.response_rate) == (3, 2, 2 / 3)
    low = cell(cells, "segment", "low", "month", APRIL_2026)
    assert (low.responses, low.invitations, low.response_rate) == (1, 0, None)
    # sent but not answered: rate 0, NPS undefined
    only_sent = nps_report([], [invitation(False)], APRIL)
    april = cell(only_sent, "all", None, "month", APRIL_2026)
    assert (april.response_rate, april.nps, april.responses) == (0.0, None, 0)


def test_fiscal_years_and_quarters_across_april_and_the_year_end() -> None:
    answers = [answer(10, D(2026, 3, 31)), answer(0, D(2026, 4, 1))]
    answers += [answer(9, D(2026, 12, 31)), answer(5, D(2027, 1, 1))]
    options = ReportOptions(first_day=D(2026, 1, 1), last_day=D(2027, 3, 31))
    years = trend(
        nps_report(answers, [], options), cut="all", value=None, period_kind="fiscal_year"
    )
    assert [(c.period.fiscal_year, c.responses, c.nps) for c in years] == [
        (2025, 1, 100.0),
        (2026, 3, -100 / 3),
    ]
    quarters = trend(nps_report(answers, [], options), cut="all", value=None, period_kind="quarter")
    assert [(c.period.fiscal_year, c.period.number, c.responses) for c in quarters] == [
        (2025, 4, 1),
        (2026, 1, 1),
        (2026, 2, 0),
        (2026, 3, 1),
        (2026, 4, 1),
    ]
    calendar = ReportOptions(first_day=D(2026, 1, 1), last_day=D(2027, 3, 31), fiscal_start_month=1)
    years = trend(
        nps_report(answers, [], calendar), cut="all", value=None, period_kind="fiscal_year"
    )
    assert [(c.period.fiscal_year, c.responses, c.nps) for c in years] == [
        (2026, 3, 100 / 3),
        (2027, 1, -100.0),
    ]


def test_rows_outside_the_range_are_left_out_both_ends_inclusive() -> None:
    answers = [answer(10, D(2026, 3, 31)), answer(10, D(2026, 4, 1)), answer(0, D(2026, 6, 30))]
    answers.append(answer(0, D(2026, 7, 1)))
    cells = nps_report(answers, [invitation(True, D(2026, 7, 1))], APRIL)
    (quarter,) = [c for c in cells if c.cut == "all" and c.period.kind == "quarter"]
    assert (quarter.responses, quarter.nps, quarter.invitations) == (2, 0.0, 0)


def test_every_answer_is_in_exactly_one_group_of_each_cut() -> None:
    answers = [
        answer(10, segment="high", product=1, phase="adoption", tenure=30),
        answer(0, segment="low", product=None, phase="onboarding", tenure=None),
        answer(8, segment="tech", product=2, phase="renewal", tenure=46),
        answer(9, segment="tech", product=2, phase="renewal", tenure=400),
    ]
    cells = nps_report(answers, [], APRIL)
    fy = [c for c in cells if c.period.kind == "fiscal_year"]
    groups = {(c.cut, c.value): (c.responses, c.nps) for c in fy}
    assert groups == {
        ("all", None): (4, 25.0),
        ("segment", "high"): (1, 100.0),
        ("segment", "low"): (1, -100.0),
        ("segment", "tech"): (2, 50.0),
        ("product", 1): (1, 100.0),
        ("product", 2): (2, 50.0),
        ("product", None): (1, -100.0),
        ("phase", "adoption"): (1, 100.0),
        ("phase", "onboarding"): (1, -100.0),
        ("phase", "renewal"): (2, 50.0),
        ("tenure", "30"): (1, 100.0),
        ("tenure", "90"): (1, 0.0),
        ("tenure", "later"): (1, 100.0),
        ("tenure", "unknown"): (1, -100.0),
    }
    # values in order, None last
    assert [c.value for c in fy if c.cut == "product"] == [1, 2, None]


def test_trend_has_every_period_of_the_range_oldest_first() -> None:
    cells = nps_report([answer(10, D(2026, 6, 5)), answer(0, D(2026, 4, 2))], [], APRIL)
    series = trend(cells, cut="segment", value="high", period_kind="month")
    assert [(c.period.first_day, c.nps) for c in series] == [
        (D(2026, 4, 1), -100.0),
        (D(2026, 5, 1), None),
        (D(2026, 6, 1), 100.0),
    ]


def test_rows_and_frames_give_the_same_report() -> None:
    answers = [answer(s, D(2026, 4, 1 + s)) for s in range(11)]
    invitations = [invitation(i % 3 == 0, D(2026, 5, 1 + i)) for i in range(7)]
    assert nps_report(answers, invitations, APRIL) == nps_report(
        answers_frame(answers), invitations_frame(invitations), APRIL
    )


def test_only_the_kind_asked_for_counts() -> None:
    answers = [answer(10), answer(1, kind="csat"), answer(5, kind="csat"), answer(4, kind="csat")]
    invitations = [invitation(True, kind="csat"), invitation(False)]
    nps_cell = cell(nps_report(answers, invitations, APRIL), "all", None, "month", APRIL_2026)
    assert (nps_cell.responses, nps_cell.nps, nps_cell.invitations) == (1, 100.0, 1)
    csat = [c for c in csat_report(answers, invitations, APRIL) if c.period.kind == "quarter"]
    assert csat == [
        CsatCell(
            cut="all",
            value=None,
            period=Period("quarter", (APRIL_2026 - 3) // 3),
            responses=3,
            satisfied=2,
            score_sum=10,
            csat=2 / 3,
            csat_mean=10 / 3,
            small_sample=True,
            invitations=1,
            answered_invitations=1,
            response_rate=1.0,
        )
    ] + [c for c in csat if c.cut != "all"]
    empty = csat_report([], [], APRIL)[0]
    assert (empty.csat, empty.csat_mean, empty.response_rate) == (None, None, None)


def test_a_score_out_of_range_in_a_frame_is_refused() -> None:
    frame = answers_frame([answer(10), answer(11)])
    with pytest.raises(ValueError, match="validate_answers"):
        nps_report(frame, [], APRIL)


# --- hostile rows ---------------------------------------------------------------------------


def test_validation_keeps_good_rows_and_says_why_the_others_are_left_out() -> None:
    good = [
        answer(0),
        answer(10),
        answer(1, kind="csat"),
        answer(5, kind="csat"),
        answer(7, tenure=0),
    ]
    bad = {
        "score_out_of_range": [
            answer(11),
            answer(-1),
            answer(0, kind="csat"),
            answer(6, kind="csat"),
        ],
        "unknown_kind": [answer(5, kind="ces")],
        "tenure_out_of_range": [answer(5, tenure=-1), answer(5, tenure=10**20)],
        "missing_cut": [answer(5, segment=None)],  # type: ignore[arg-type]
    }
    bad["score_out_of_range"] += [answer(True), answer(10**30), answer(7.5)]  # type: ignore[arg-type]
    rows = good + [row for rows in bad.values() for row in rows]
    kept, rejected = validate_answers(rows)
    assert kept == good
    assert [(r.row, r.reason) for r in rejected] == [
        (row, reason) for reason, rows in bad.items() for row in rows
    ]


def test_invitation_validation() -> None:
    ok, wrong = invitation(True), invitation(False, kind="sms")
    kept, rejected = validate_invitations([ok, wrong])
    assert kept == [ok] and [(r.row, r.reason) for r in rejected] == [(wrong, "unknown_kind")]


def test_year_1_and_year_9999_answers() -> None:
    answers = [answer(10, D(1, 1, 1), tenure=0), answer(0, D(9999, 12, 31), tenure=3_652_058)]
    kept, rejected = validate_answers(answers)
    assert (kept, rejected) == (answers, [])
    first = nps_report(answers, [], ReportOptions(first_day=D(1, 1, 1), last_day=D(1, 3, 31)))
    (fy0,) = [c for c in first if c.cut == "all" and c.period.kind == "fiscal_year"]
    assert (fy0.period.first_day, fy0.responses, fy0.nps) == (D(1, 1, 1), 1, 100.0)
    last = nps_report(answers, [], ReportOptions(first_day=D(9999, 4, 1), last_day=D(9999, 12, 31)))
    (fy9999,) = [c for c in last if c.cut == "tenure" and c.period.kind == "fiscal_year"]
    assert (fy9999.value, fy9999.period.last_day, fy9999.nps) == ("later", D(9999, 12, 31), -100.0)


def test_duplicate_rows_count_as_given() -> None:
    # the core counts the rows it gets; one answer per invitation is the survey app's rule
    cells = nps_report([answer(10), answer(10)], [], APRIL)
    assert cell(cells, "all", None, "month", APRIL_2026).responses == 2


def test_cut_values_in_order_numbers_by_number_none_last() -> None:
    answers = [answer(9, product=10), answer(9, product=None), answer(9, product=2)]
    cells = nps_report(answers, [], APRIL)
    products = [c.value for c in cells if c.cut == "product" and c.period.kind == "fiscal_year"]
    assert products == [2, 10, None]
