"""The phase and level shown, what holds the team, the next three things to fix."""

from __future__ import annotations

import datetime as dt

from kizuna.core.diagnosis.diagnose import Finding, diagnose, diagnosis_from, stage_holds
from kizuna.core.diagnosis.evidence import Evidence

DAY = dt.date(2026, 11, 30)


def f(key: str, stage: str, holds: bool | None, weight: int = 5, group: str = "do") -> Finding:
    return Finding(key, group, stage, weight, holds, (), {}, "")  # type: ignore[arg-type]


def test_a_stage_holds_with_no_failure_and_one_success() -> None:
    assert stage_holds([f("a", "scale", True), f("b", "scale", None)], "scale") is True
    assert stage_holds([f("a", "scale", None)], "scale") is False
    assert stage_holds([f("a", "scale", True), f("b", "scale", False)], "scale") is False
    assert stage_holds([], "scale") is False


def test_the_phase_is_the_last_of_the_unbroken_run_of_holding_phases() -> None:
    # given searching-for-PMF and PMF-reached hold, and scale fails twice
    findings = [
        f("cap", "pmf_search", True),
        f("seg", "pmf_reached", True),
        f("ren", "pmf_reached", None),
        f("span", "scale", False, weight=5, group="avoid"),
        f("hire", "scale", False, weight=6, group="avoid"),
        f("kinds", "scale", True),
        f("proactive", "insights_actions", False, weight=7, group="maturity"),
    ]
    # when
    result = diagnosis_from(findings)
    # then
    assert result.phase == "pmf_reached"
    assert result.next_phase == "scale"
    assert [x.key for x in result.held_by] == ["hire", "span"]
    assert result.level == "reactive"
    assert result.next_level == "insights_actions"
    assert [x.key for x in result.level_held_by] == ["proactive"]
    assert [x.key for x in result.next_fixes] == ["proactive", "hire", "span"]


def test_a_later_phase_that_holds_does_not_count_while_an_earlier_one_fails() -> None:
    findings = [f("cap", "pmf_search", False), f("seg", "pmf_reached", True), f("x", "scale", True)]
    result = diagnosis_from(findings)
    assert result.phase == "startup"
    assert [x.key for x in result.held_by] == ["cap"]


def test_the_last_phase_has_nothing_holding_it_and_transform_is_never_shown() -> None:
    findings = [
        f("a", "pmf_search", True), f("b", "pmf_reached", True), f("c", "scale", True),
        f("d", "insights_actions", True), f("e", "outcomes", True),
    ]  # fmt: skip
    result = diagnosis_from(findings)
    assert (result.phase, result.next_phase, result.held_by) == ("scale", None, ())
    assert (result.level, result.next_level) == ("outcomes", "transform")
    assert result.level_held_by == ()
    assert result.next_fixes == ()


def test_only_three_fixes_heaviest_first_ties_by_stage_then_key() -> None:
    findings = [
        f("z", "scale", False, weight=5),
        f("y", "pmf_reached", False, weight=5),
        f("x", "pmf_reached", False, weight=5),
        f("w", "pmf_search", False, weight=9),
        f("v", "scale", False, weight=1),
    ]
    assert [x.key for x in diagnosis_from(findings).next_fixes] == ["w", "x", "y"]


def test_diagnose_on_no_data_is_the_start_up_phase_and_reactive() -> None:
    result = diagnose(Evidence(as_of=DAY))
    assert (result.phase, result.level) == ("startup", "reactive")
    assert [x.key for x in result.next_fixes] == [
        "ops_team",
        "outcomes_tracked",
        "playbooks_in_use",
    ]


def test_diagnose_applies_the_overrides_per_rule() -> None:
    result = diagnose(Evidence(as_of=DAY), {"ops_team": {"min_members": 0}})
    ops = next(x for x in result.findings if x.key == "ops_team")
    assert ops.holds is True
    assert ops.thresholds == {"min_members": 0.0}
