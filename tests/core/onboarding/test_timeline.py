"""The onboarding timeline: each transition with its reason, on exact days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kizuna.core.onboarding.timeline import (
    Criterion,
    Facts,
    Phase,
    Policy,
    State,
    Template,
    UsageRule,
    timeline,
)

D = date
START = D(2026, 4, 1)
TEMPLATE = Template(
    (
        Phase("kickoff", "Kickoff", 7, (Criterion("k1", "Kickoff meeting held"),)),
        Phase(
            "setup",
            "Initial settings",
            21,
            (
                Criterion("s1", "Approval flow created"),
                Criterion("s2", "5 reports in 7 days", UsageRule("feature_events", 5, 7, "report")),
            ),
            is_setup=True,
        ),
        Phase(
            "rollout",
            "Team rollout",
            45,
            (Criterion("r1", "60 % seats", UsageRule("seat_share", 60)),),
        ),
    )
)
POLICY = Policy(grace_days=30, setup_due_day=14, no_usage_days=14, stalled_alert_days=14)


def _run(met: dict[str, date], as_of: date, **facts: object) -> list[tuple[date, str, str]]:
    result = timeline(TEMPLATE, Facts(START, met, **facts), as_of=as_of, policy=POLICY)  # type: ignore[arg-type]
    return [(t.on, t.to_state.value, t.reason) for t in result.transitions]


def test_it_completes_on_time_when_every_criterion_is_met_by_its_target() -> None:
    met = {"k1": D(2026, 4, 8), "s1": D(2026, 4, 10), "s2": D(2026, 4, 15), "r1": D(2026, 5, 16)}
    result = timeline(
        TEMPLATE, Facts(START, met, first_usage_on=START), as_of=D(2026, 6, 1), policy=POLICY
    )
    assert [(t.on, t.from_state, t.to_state, t.reason) for t in result.transitions] == [
        (START, None, State.IN_PROGRESS, "handed_over"),
        (D(2026, 5, 16), State.IN_PROGRESS, State.COMPLETED, "all_criteria_met"),
    ]
    assert result.state == State.COMPLETED
    assert result.completed_on == D(2026, 5, 16) == result.target_on
    assert [p.done_on for p in result.phases] == [D(2026, 4, 8), D(2026, 4, 15), D(2026, 5, 16)]
    assert result.signals == ()


def test_it_stalls_the_morning_after_a_missed_target_and_names_what_is_missing() -> None:
    # given: kickoff (target 8 April) held on 10 April; setup not done
    met = {"k1": D(2026, 4, 10), "s1": D(2026, 4, 12)}
    # when
    result = timeline(TEMPLATE, Facts(START, met), as_of=D(2026, 4, 25), policy=POLICY)
    # then
    assert [(t.on, t.to_state, t.reason, dict(t.details)) for t in result.transitions] == [
        (START, State.IN_PROGRESS, "handed_over", {}),
        (
            D(2026, 4, 9),
            State.STALLED,
            "phase_overdue",
            {"phase": "kickoff", "target_on": "2026-04-08", "unmet": ["k1"]},
        ),
        (D(2026, 4, 10), State.IN_PROGRESS, "caught_up", {}),
        (
            D(2026, 4, 23),
            State.STALLED,
            "phase_overdue",
            {
                "phase": "setup",
                "target_on": "2026-04-22",
                "unmet": ["s2"],
            },
        ),
    ]
    assert result.state == State.STALLED
    assert result.stalled_on == D(2026, 4, 9)
    assert result.current_phase is not None and result.current_phase.key == "setup"


def test_the_target_day_itself_is_on_time_and_the_next_morning_is_late() -> None:
    on_target = _run({"k1": D(2026, 4, 8)}, D(2026, 4, 9))
    next_day = _run({"k1": D(2026, 4, 9)}, D(2026, 4, 9))
    assert on_target == [(START, "in_progress", "handed_over")]
    assert next_day == [
        (START, "in_progress", "handed_over"),
        (D(2026, 4, 9), "stalled", "phase_overdue"),
        (D(2026, 4, 9), "in_progress", "caught_up"),
    ]


def test_expected_churn_comes_after_the_final_target_plus_the_grace_days() -> None:
    # final target 16 May; + 30 grace days = 15 June; expected churn from 16 June
    met = {"k1": D(2026, 4, 2), "s1": D(2026, 4, 3), "s2": D(2026, 4, 4)}
    assert _run(met, D(2026, 6, 15))[-1] == (D(2026, 5, 17), "stalled", "phase_overdue")
    result = timeline(TEMPLATE, Facts(START, met), as_of=D(2026, 6, 16), policy=POLICY)
    last = result.transitions[-1]
    assert (last.on, last.to_state, last.reason) == (
        D(2026, 6, 16),
        State.EXPECTED_CHURN,
        "past_final_target",
    )
    assert dict(last.details) == {
        "target_on": "2026-05-16",
        "grace_days": 30,
        "unmet": ["r1"],
    }
    assert result.expected_churn_on == D(2026, 6, 16)


def test_completing_after_expected_churn_is_a_revival() -> None:
    met = {"k1": D(2026, 4, 2), "s1": D(2026, 4, 3), "s2": D(2026, 4, 4), "r1": D(2026, 7, 1)}
    assert _run(met, D(2026, 7, 31))[-2:] == [
        (D(2026, 6, 16), "expected_churn", "past_final_target"),
        (D(2026, 7, 1), "revived", "completed_after_expected_churn"),
    ]


def test_completing_late_but_before_expected_churn_is_completed() -> None:
    met = {"k1": D(2026, 4, 2), "s1": D(2026, 4, 3), "s2": D(2026, 4, 4), "r1": D(2026, 6, 15)}
    assert _run(met, D(2026, 7, 31))[-1] == (D(2026, 6, 15), "completed", "all_criteria_met")


def test_a_subscription_that_ends_first_churns_the_onboarding() -> None:
    met = {"k1": D(2026, 4, 2)}
    result = _run(met, D(2026, 9, 1), ended_on=D(2026, 8, 1))
    assert result[-1] == (D(2026, 8, 1), "churned", "subscription_ended")
    # criteria met on or after the end do not complete it
    late = {"k1": D(2026, 4, 2), "s1": D(2026, 4, 3), "s2": D(2026, 4, 4), "r1": D(2026, 8, 1)}
    assert _run(late, D(2026, 9, 1), ended_on=D(2026, 8, 1))[-1][1] == "churned"
    # an end after completion leaves it completed
    done = {**late, "r1": D(2026, 5, 1)}
    assert _run(done, D(2026, 9, 1), ended_on=D(2026, 8, 1))[-1][1] == "completed"


def test_facts_after_as_of_are_not_seen() -> None:
    met = {"k1": D(2026, 4, 2), "s1": D(2026, 4, 3), "s2": D(2026, 4, 4), "r1": D(2026, 5, 10)}
    assert _run(met, D(2026, 5, 9)) == [(START, "in_progress", "handed_over")]


def test_signals_are_dated_the_first_day_they_are_true() -> None:
    # given: nothing done, no usage at all
    result = timeline(TEMPLATE, Facts(START), as_of=D(2026, 5, 1), policy=POLICY)
    # then
    assert [(s.on, s.kind, dict(s.details)) for s in result.signals] == [
        (D(2026, 4, 9), "phase_overdue", {"phase": "kickoff", "target_on": "2026-04-08"}),
        (D(2026, 4, 15), "no_usage", {"days": 14}),
        (D(2026, 4, 16), "setup_not_done", {"phase": "setup"}),
        (D(2026, 4, 23), "phase_overdue", {"phase": "setup", "target_on": "2026-04-22"}),
        (D(2026, 4, 24), "stalled_long", {"since": "2026-04-09"}),
    ]


def test_usage_on_day_13_is_in_time_and_on_day_14_is_not() -> None:
    in_time = timeline(
        TEMPLATE,
        Facts(START, first_usage_on=START + timedelta(days=13)),
        as_of=D(2026, 4, 20),
        policy=POLICY,
    )
    late = timeline(
        TEMPLATE,
        Facts(START, first_usage_on=START + timedelta(days=14)),
        as_of=D(2026, 4, 20),
        policy=POLICY,
    )
    assert "no_usage" not in {s.kind for s in in_time.signals}
    assert "no_usage" in {s.kind for s in late.signals}


def test_no_signals_after_completion() -> None:
    met = {"k1": D(2026, 4, 2), "s1": D(2026, 4, 3), "s2": D(2026, 4, 4), "r1": D(2026, 4, 5)}
    result = timeline(
        TEMPLATE, Facts(START, met, first_usage_on=START), as_of=D(2026, 12, 1), policy=POLICY
    )
    assert result.state == State.COMPLETED and result.signals == ()


def test_a_template_checks_its_phases_and_rules() -> None:
    with pytest.raises(ValueError, match="phase order"):
        Template((Phase("a", "A", 10, ()), Phase("b", "B", 5, ())))
    with pytest.raises(ValueError, match="unknown usage metric"):
        UsageRule("clicks", 1)
    with pytest.raises(ValueError, match="feature"):
        UsageRule("feature_events", 1)
