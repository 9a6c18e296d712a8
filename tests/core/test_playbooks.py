"""Playbook due dates on the Japanese business calendar (Golden Week 2026, New Year 2027), the
rounding rule (before renewal: earlier; otherwise: later), progress, and the edges."""

from __future__ import annotations

from datetime import date

import pytest

from kizuna.core.playbooks import (
    MAX_OFFSET_DAYS,
    Step,
    StepState,
    check_step,
    due_date,
    due_dates,
    progress,
    step_title,
)


def test_a_start_step_on_a_holiday_moves_to_the_next_business_day() -> None:
    # 4/29/2026 is 昭和の日 (Wednesday): the kick-off is due on Thursday 4/30
    assert due_date(Step(1, 0), started_on=date(2026, 4, 29)) == date(2026, 4, 30)
    # 4/30 + 4 days = Monday 5/4 (みどりの日); 5/5, 5/6 closed too: Thursday 5/7
    assert due_date(Step(2, 4), started_on=date(2026, 4, 30)) == date(2026, 5, 7)
    # a business day stays as it is
    assert due_date(Step(3, 7), started_on=date(2026, 4, 20)) == date(2026, 4, 27)


def test_before_renewal_moves_to_the_previous_business_day() -> None:
    # 120 days before 2026-09-01 is Monday 5/4 (みどりの日): 5/3, 5/2 closed, so Friday 5/1
    renewal = date(2026, 9, 1)
    step = Step(1, -120, "renewal")
    assert due_date(step, started_on=date(2026, 1, 5), anchor_date=renewal) == date(2026, 5, 1)
    # 2027-01-03 minus 3 days is 12/31 (year-end closure): Monday 2026-12-28
    assert due_date(
        Step(2, -3, "renewal"), started_on=date(2026, 1, 5), anchor_date=date(2027, 1, 3)
    ) == date(2026, 12, 28)


def test_after_renewal_moves_to_the_next_business_day() -> None:
    assert due_date(
        Step(1, 2, "renewal"), started_on=date(2026, 1, 5), anchor_date=date(2026, 5, 1)
    ) == date(2026, 5, 7)
    # the renewal day itself (offset 0) on a holiday also moves later
    assert due_date(
        Step(2, 0, "renewal"), started_on=date(2026, 1, 5), anchor_date=date(2026, 5, 5)
    ) == date(2026, 5, 7)


def test_new_year_after_start() -> None:
    # Friday 2026-12-25 + 4 = 12/29 (closure to 1/3): Monday 2027-01-04
    assert due_date(Step(1, 4), started_on=date(2026, 12, 25)) == date(2027, 1, 4)


def test_rounding_none_keeps_the_calendar_date() -> None:
    step = Step(1, -120, "renewal", "none")
    assert due_date(step, started_on=date(2026, 1, 5), anchor_date=date(2026, 9, 1)) == date(
        2026, 5, 4
    )


def test_due_dates_for_a_playbook_in_order() -> None:
    steps = [Step(2, -120, "renewal"), Step(1, 0), Step(3, 14)]
    assert due_dates(steps, started_on=date(2026, 4, 29), anchor_date=date(2026, 9, 1)) == {
        1: date(2026, 4, 30),
        2: date(2026, 5, 1),
        3: date(2026, 5, 13),
    }


def test_duplicate_orders_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        due_dates([Step(1, 0), Step(1, 3)], started_on=date(2026, 4, 27))


def test_a_renewal_step_needs_the_renewal_date() -> None:
    with pytest.raises(ValueError, match="renewal date"):
        due_date(Step(1, -30, "renewal"), started_on=date(2026, 4, 27))


@pytest.mark.parametrize(
    ("step", "started_on", "anchor_date"),
    [
        (Step(1, 0), date(1, 1, 1), None),
        (Step(1, -1), date(1, 1, 1), None),
        (Step(1, 1), date(9999, 12, 31), None),
        (Step(1, -1, "renewal"), date(2026, 1, 5), date(9999, 12, 31)),
        (Step(1, -120, "renewal"), date(2026, 1, 5), date(1, 3, 1)),
        (Step(1, 10**9), date(2026, 1, 5), None),
        (Step(1, MAX_OFFSET_DAYS + 1), date(2026, 1, 5), None),
        (Step(1, -MAX_OFFSET_DAYS - 1, "renewal"), date(2026, 1, 5), date(2030, 1, 1)),
        (Step(1, 0, "end"), date(2026, 1, 5), None),  # type: ignore[arg-type]
        (Step(1, 0, "start", "down"), date(2026, 1, 5), None),  # type: ignore[arg-type]
    ],
)
def test_hostile_input_raises_value_error(
    step: Step, started_on: date, anchor_date: date | None
) -> None:
    with pytest.raises(ValueError):
        due_date(step, started_on=started_on, anchor_date=anchor_date)


def test_the_largest_offsets_are_allowed() -> None:
    check_step(Step(1, MAX_OFFSET_DAYS))
    check_step(Step(1, -MAX_OFFSET_DAYS, "renewal"))


def test_progress_counts_closed_steps_names_the_next_and_the_overdue() -> None:
    states = [
        StepState(1, date(2026, 4, 30), closed=True),
        StepState(3, date(2026, 5, 13), closed=False),
        StepState(2, date(2026, 5, 1), closed=False),
    ]
    p = progress(states, today=date(2026, 5, 7))
    assert (p.closed, p.total, p.complete) == (1, 3, False)
    assert p.next_step == StepState(2, date(2026, 5, 1), closed=False)
    assert p.overdue == (StepState(2, date(2026, 5, 1), closed=False),)


def test_progress_of_a_finished_and_of_an_empty_run() -> None:
    done = progress([StepState(1, date(2026, 4, 30), closed=True)], today=date(2030, 1, 1))
    assert (done.closed, done.total, done.complete, done.next_step, done.overdue) == (
        1,
        1,
        True,
        None,
        (),
    )
    empty = progress([], today=date(2026, 1, 5))
    assert (empty.closed, empty.total, empty.complete) == (0, 0, False)


def test_ties_on_the_due_date_go_by_order() -> None:
    same = date(2026, 5, 7)
    p = progress([StepState(5, same, False), StepState(4, same, False)], today=same)
    assert p.next_step is not None and p.next_step.order == 4
    assert p.overdue == ()


def test_a_step_already_past_at_the_start_is_due_on_the_start_day() -> None:
    # 120 days before 2026-09-01 is 5/4, but the run starts on Sunday 2026-07-05: due Monday 7/6
    step = Step(1, -120, "renewal")
    assert due_date(step, started_on=date(2026, 7, 5), anchor_date=date(2026, 9, 1)) == date(
        2026, 7, 6
    )
    # a run started on 12/30 is due after the closure: Monday 2027-01-04
    assert due_date(
        Step(2, -30, "renewal"), started_on=date(2026, 12, 30), anchor_date=date(2027, 1, 10)
    ) == date(2027, 1, 4)


def test_without_the_year_end_closure_12_31_is_worked() -> None:
    # 2027-01-03 minus 3 days is Thursday 12/31: worked without the closure
    step, start, renewal = Step(1, -3, "renewal"), date(2026, 1, 5), date(2027, 1, 3)
    worked = due_date(step, started_on=start, anchor_date=renewal, year_end_closure=False)
    assert worked == date(2026, 12, 31)
    assert due_date(step, started_on=start, anchor_date=renewal) == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("ja", "en", "language", "expected"),
    [
        ("キックオフ", "Kick-off", "ja", "キックオフ"),
        ("キックオフ", "Kick-off", "en", "Kick-off"),
        ("キックオフ", "Kick-off", "en-us", "Kick-off"),
        ("キックオフ", "Kick-off", None, "キックオフ"),  # no language: Japanese, the default
        ("キックオフ", "Kick-off", "fr", "キックオフ"),
        ("キックオフ", "", "en", "キックオフ"),  # English blank: the Japanese one
        ("キックオフ", "   ", "en", "キックオフ"),  # blank is blank, spaces or not
        ("", "Kick-off", "ja", "Kick-off"),  # Japanese blank: the English one
        (" キックオフ ", "", "ja", "キックオフ"),
        ("", "", "ja", ""),
    ],
)
def test_a_step_title_in_a_language_falls_back_to_the_other(
    ja: str, en: str, language: str | None, expected: str
) -> None:
    assert step_title(ja, en, language) == expected
