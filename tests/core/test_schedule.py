"""The periodic jobs' declared order and when a run is due (kizuna.core.schedule)."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.schedule import (
    FAILED,
    OK,
    QUEUED,
    RUNNING,
    RunState,
    Scheduled,
    ScheduleError,
    daily,
    dependents,
    every_minute,
    is_due,
    is_finished_for,
    is_lost,
    is_ready,
    next_daily,
    retry_delay,
    schedule_order,
)

DAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 3, 10, 30, tzinfo=dt.UTC)
MINUTE = NOW.replace(second=0)

# The daily chain as the apps declare it (src/kizuna/apps/*/tasks.py), in a scrambled order
CHAIN = [
    daily("health.refresh_scores", "h", after=("segments.expire_exceptions",
          "usage.refresh_summaries", "onboarding.evaluate")),
    daily("onboarding.evaluate", "o", after=("segments.expire_exceptions",
          "usage.refresh_summaries", "coverage.refresh_snapshots", "revenue.refresh_snapshots")),
    daily("usage.refresh_summaries", "u"),
    daily("revenue.refresh_snapshots", "r", after=("segments.expire_exceptions",)),
    daily("coverage.refresh_snapshots", "c", after=("customers.refresh_account_mrr",
          "segments.expire_exceptions")),
    daily("segments.expire_exceptions", "s"),
    daily("customers.refresh_account_mrr", "m"),
    every_minute("health.rescore_marked", "hr", after=("health.refresh_scores",
                 "usage.rollup_pending")),
    every_minute("usage.rollup_pending", "ur"),
]  # fmt: skip
ORDER = [
    "customers.refresh_account_mrr",
    "segments.expire_exceptions",
    "coverage.refresh_snapshots",
    "revenue.refresh_snapshots",
    "usage.refresh_summaries",
    "onboarding.evaluate",
    "health.refresh_scores",
    "usage.rollup_pending",
    "health.rescore_marked",
]


def test_the_declared_chain_runs_in_the_order_the_jobs_always_ran() -> None:
    assert [entry.name for entry in schedule_order(CHAIN)] == ORDER
    assert [entry.name for entry in schedule_order(reversed(CHAIN))] == ORDER


def test_jobs_free_to_go_run_by_name_whatever_order_they_are_declared_in() -> None:
    entries = [daily("b", 1), daily("c", 2, after=("a",)), daily("a", 3)]
    assert [e.name for e in schedule_order(entries)] == ["a", "b", "c"]
    assert [e.name for e in schedule_order(entries[::-1])] == ["a", "b", "c"]
    assert schedule_order([]) == ()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([daily("a", 1, after=("b",)), daily("b", 2, after=("a",))], "a, b wait for each other"),
        ([daily("a", 1, after=("a",))], "a wait for each other"),
        (
            [daily("x", 0), daily("a", 1, after=("c",)), daily("b", 2, after=("a",)),
             daily("c", 3, after=("b",))],
            "a, b, c wait for each other",
        ),
        ([daily("a", 1, after=("nobody",))], "'a' runs after 'nobody', which no app declares"),
        ([daily("a", 1), daily("a", 2)], "two jobs are named 'a'"),
        ([every_minute("m", 1), daily("d", 2, after=("m",))], "daily job 'd' cannot wait"),
    ],
)  # fmt: skip
def test_a_schedule_that_cannot_run_is_refused(entries: list[Scheduled[int]], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        schedule_order(entries)


def test_a_minute_job_may_wait_for_a_daily_one_and_for_a_minute_one() -> None:
    entries = schedule_order(CHAIN)
    assert [e.name for e in dependents(entries, "usage.rollup_pending")] == [
        "health.rescore_marked"
    ]
    assert [e.name for e in dependents(entries, "segments.expire_exceptions")] == [
        "coverage.refresh_snapshots",
        "revenue.refresh_snapshots",
        "onboarding.evaluate",
        "health.refresh_scores",
    ]


@pytest.mark.parametrize(
    ("attempts", "minutes"),
    [(-1, 1), (0, 1), (1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (8, 60), (10**9, 60)],
)
def test_a_failed_daily_job_waits_1_2_4_minutes_up_to_an_hour(attempts: int, minutes: int) -> None:
    assert retry_delay(attempts) == dt.timedelta(minutes=minutes)


def _state(**fields: object) -> RunState:
    return RunState(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "due"),
    [
        (RunState(), True),  # never ran
        (_state(day=DAY - dt.timedelta(days=1), status=OK, attempts=1), True),
        (_state(day=DAY - dt.timedelta(days=1), status=RUNNING), True),  # a crash yesterday
        (_state(day=DAY, status=OK, attempts=1), False),
        (_state(day=DAY, status=QUEUED, attempts=1, enqueued_at=NOW), False),
        (_state(day=DAY, status=RUNNING, attempts=1, enqueued_at=NOW - dt.timedelta(hours=9)),
         False),  # lost: the day's other jobs go on, it is not run twice
        (_state(day=DAY + dt.timedelta(days=1), status=OK), False),  # never back in time
        (_state(day=DAY + dt.timedelta(days=1), status=FAILED), False),
        # failed at its 1st attempt 59 s / 60 s ago; at its 3rd 3 / 4 minutes ago
        (_state(day=DAY, status=FAILED, attempts=1, finished_at=NOW - dt.timedelta(seconds=59)),
         False),
        (_state(day=DAY, status=FAILED, attempts=1, finished_at=NOW - dt.timedelta(seconds=60)),
         True),
        (_state(day=DAY, status=FAILED, attempts=3, finished_at=NOW - dt.timedelta(minutes=3)),
         False),
        (_state(day=DAY, status=FAILED, attempts=3, finished_at=NOW - dt.timedelta(minutes=4)),
         True),
        (_state(day=DAY, status=FAILED, attempts=0), True),  # a row of the worker loop before
    ],
)  # fmt: skip
def test_when_a_daily_job_is_due(state: RunState, due: bool) -> None:
    assert is_due("day", state, day=DAY, now=NOW) is due


@pytest.mark.parametrize(
    ("state", "due", "asked_by_hand"),
    [
        (RunState(), True, True),
        (_state(day=DAY, status=OK, enqueued_at=MINUTE - dt.timedelta(seconds=1)), True, True),
        (_state(day=DAY, status=FAILED, enqueued_at=MINUTE - dt.timedelta(minutes=5)), True, True),
        (_state(day=DAY, status=OK, enqueued_at=MINUTE), False, True),  # already this minute
        (_state(day=DAY, status=QUEUED, enqueued_at=MINUTE - dt.timedelta(minutes=5)), False,
         False),  # its last run has not ended
        (_state(day=DAY, status=RUNNING, enqueued_at=NOW - dt.timedelta(hours=2, seconds=1)),
         True, True),  # lost
        (_state(day=DAY, status=RUNNING, enqueued_at=NOW - dt.timedelta(hours=2)), False, False),
    ],
)  # fmt: skip
def test_when_a_minute_job_is_due(state: RunState, due: bool, asked_by_hand: bool) -> None:
    assert is_due("minute", state, day=DAY, now=NOW) is due
    assert is_due("minute", state, day=DAY, now=NOW, once_a_minute=False) is asked_by_hand


def test_a_job_waits_until_what_it_runs_after_has_finished_for_the_day() -> None:
    cadences = {entry.name: entry.every for entry in CHAIN}
    rescore = next(e for e in CHAIN if e.name == "health.rescore_marked")
    done = _state(day=DAY, status=OK, enqueued_at=MINUTE)
    # the day's scores not run yet, queued, failed, run: the rescoring waits, then goes
    for scores, ready in [
        (RunState(), False),
        (_state(day=DAY - dt.timedelta(days=1), status=OK), False),
        (_state(day=DAY, status=QUEUED, enqueued_at=NOW), False),
        (_state(day=DAY, status=FAILED), True),
        (_state(day=DAY, status=RUNNING, enqueued_at=NOW - dt.timedelta(hours=3)), True),
        (done, True),
    ]:
        states = {"health.refresh_scores": scores, "usage.rollup_pending": RunState()}
        assert is_ready(rescore, states, cadences, day=DAY, now=NOW) is ready, scores
    # the rollup of the minute, queued or running, holds it back; one that never ran does not
    for rollup, ready in [
        (_state(day=DAY, status=QUEUED, enqueued_at=MINUTE), False),
        (_state(day=DAY, status=RUNNING, enqueued_at=MINUTE), False),
        (_state(day=DAY - dt.timedelta(days=3), status=OK, enqueued_at=MINUTE), True),
    ]:
        states = {"health.refresh_scores": done, "usage.rollup_pending": rollup}
        assert is_ready(rescore, states, cadences, day=DAY, now=NOW) is ready, rollup
    assert is_finished_for(_state(day=DAY + dt.timedelta(days=1), status=QUEUED), day=DAY, now=NOW)
    assert not is_lost(_state(status=OK, enqueued_at=NOW - dt.timedelta(days=9)), NOW)


def test_the_days_jobs_go_one_at_a_time_in_order_and_a_failure_does_not_stop_them() -> None:
    entries = schedule_order(CHAIN)
    states: dict[str, RunState] = {}
    ran = []
    while (entry := next_daily(entries, states, day=DAY, now=NOW)) is not None:
        # while one is queued, nothing else is handed out
        states[entry.name] = _state(day=DAY, status=QUEUED, attempts=1, enqueued_at=NOW)
        assert next_daily(entries, states, day=DAY, now=NOW) is None
        failed = entry.name == "coverage.refresh_snapshots"
        states[entry.name] = _state(
            day=DAY, status=FAILED if failed else OK, attempts=1, enqueued_at=NOW, finished_at=NOW
        )
        ran.append(entry.name)
    assert ran == ORDER[:7]
    # a minute later the failed one is due again, alone
    later = NOW + dt.timedelta(minutes=1)
    retry = next_daily(entries, states, day=DAY, now=later)
    assert retry is not None and retry.name == "coverage.refresh_snapshots"
    # and the next day starts over from the first
    first = next_daily(entries, states, day=DAY + dt.timedelta(days=1), now=later)
    assert first is not None and first.name == "customers.refresh_account_mrr"


def test_a_lost_daily_job_no_longer_holds_the_day_back() -> None:
    entries = schedule_order(CHAIN)
    states = {
        "customers.refresh_account_mrr": _state(
            day=DAY, status=RUNNING, attempts=1, enqueued_at=NOW - dt.timedelta(minutes=119)
        )
    }
    assert next_daily(entries, states, day=DAY, now=NOW) is None
    states["customers.refresh_account_mrr"] = _state(
        day=DAY, status=RUNNING, attempts=1, enqueued_at=NOW - dt.timedelta(minutes=121)
    )
    entry = next_daily(entries, states, day=DAY, now=NOW)
    assert entry is not None and entry.name == "segments.expire_exceptions"
