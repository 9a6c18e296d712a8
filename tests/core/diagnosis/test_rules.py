"""Every diagnosis rule on constructed evidence: holds, fails, not enough data, and its
thresholds' edges (a share equal to its threshold holds)."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.diagnosis.evidence import (
    AccountEvidence,
    CoverageEvidence,
    Evidence,
    MaturityEvidence,
    MonthCompletion,
    OnboardingEvidence,
    PlanMonth,
    RenewalEvidence,
    SegmentCoverage,
    TeamEvidence,
    TeamLeads,
)
from kizuna.core.diagnosis.rules import RULES, RULES_BY_KEY, Line, threshold_errors

DAY = dt.date(2026, 11, 30)


def verdict(key: str, overrides: dict[str, float] | None = None, **parts: object) -> bool | None:
    return RULES_BY_KEY[key].evaluate(Evidence(as_of=DAY, **parts), overrides).holds  # type: ignore[arg-type]


def lines(key: str, **parts: object) -> tuple[Line, ...]:
    return RULES_BY_KEY[key].evaluate(Evidence(as_of=DAY, **parts)).lines  # type: ignore[arg-type]


def test_every_rule_has_a_unique_key_a_stage_and_numeric_defaults() -> None:
    keys = [rule.key for rule in RULES]
    assert len(keys) == len(set(keys)) == 17
    assert {rule.link for rule in RULES} <= {
        "coverage", "onboarding_board", "onboarding_dashboard", "renewals", "load", "members",
        "capacity", "tasks", "health", "playbooks", "rules",
    }  # fmt: skip
    for rule in RULES:
        assert rule.weight > 0
        assert all(isinstance(v, int | float) for v in rule.defaults.values())
        assert threshold_errors(rule, dict(rule.defaults)) == {}


def test_every_rule_says_not_enough_data_or_a_verdict_on_empty_evidence() -> None:
    # given no data at all: no rule raises, and those with a denominator say "not enough data"
    found = {rule.key: rule.evaluate(Evidence(as_of=DAY)).holds for rule in RULES}
    assert found == {
        "onboarding_capacity": None,
        "accounts_known": None,
        "segment_handling": None,
        "onboarding_standardised": None,
        "renewals_routine": None,
        "one_to_many": None,
        "managers_own_book": None,
        "ops_team": False,
        "renewed_touched": None,
        "specialised_teams": None,
        "leaders_span": None,
        "csm_every_role": None,
        "hiring_on_plan": None,
        "proactive_touches": None,
        "health_in_use": None,
        "playbooks_in_use": False,
        "outcomes_tracked": False,
    }


# --- onboarding capacity ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("active", "csms", "pooled", "unowned", "expected"),
    [
        (30, 2, 0, 0, True),  # 15 each: at the limit
        (31, 2, 0, 0, False),  # 15.5 each
        (40, 2, 10, 0, True),  # the pooled ones (served by their team) count for nobody
        (10, 2, 0, 1, False),  # one with neither an owner nor a team
        (0, 0, 0, 0, None),  # no open onboarding
        (5, 0, 5, 0, True),  # every one pooled: no CSM carries any
    ],
)
def test_onboarding_capacity(
    active: int, csms: int, pooled: int, unowned: int, expected: bool | None
) -> None:
    o = OnboardingEvidence(active=active, csms=csms, pooled=pooled, unowned=unowned)
    assert verdict("onboarding_capacity", onboarding=o) is expected


def test_onboarding_capacity_lines_say_the_mean_and_the_max() -> None:
    o = OnboardingEvidence(active=41, csms=2, pooled=9, unowned=1, max_per_csm=20)
    assert lines("onboarding_capacity", onboarding=o) == (
        Line("onboardings_per_csm", {"onboardings": 31, "csms": 2, "mean": 15.5, "max": 20}),
        Line("onboardings_pooled", {"count": 9, "of": 41}),
        Line("onboardings_unowned", {"count": 1, "of": 41}),
    )


# --- accounts known -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unknown", "active", "expected"), [(10, 100, True), (11, 100, False), (0, 0, None)]
)
def test_accounts_known(unknown: int, active: int, expected: bool | None) -> None:
    # the share is of the one-to-one accounts (high and low touch), not of every active one
    a = AccountEvidence(active=active + 500, one_to_one=active, unknown=unknown)
    assert verdict("accounts_known", accounts=a) is expected


# --- segment handling ---------------------------------------------------------------------


def _coverage(*segments: SegmentCoverage, day: dt.date | None = DAY) -> CoverageEvidence:
    return CoverageEvidence(as_of=day, segments=segments)


def test_segment_handling_holds_when_every_segment_meets_its_target() -> None:
    c = _coverage(
        SegmentCoverage("high", True, 9, 10, 0.9),  # exactly at target
        SegmentCoverage("tech", True, 5, 10, 0.5),
        SegmentCoverage("community", False, 0, 0, 0.5),  # no account: not judged
    )
    assert verdict("segment_handling", coverage=c) is True
    assert [line.values["segment"] for line in lines("segment_handling", coverage=c)] == [
        "high",
        "tech",
    ]


def test_segment_handling_fails_below_target_or_without_a_policy() -> None:
    below = _coverage(SegmentCoverage("high", True, 8, 10, 0.9))
    assert verdict("segment_handling", coverage=below) is False
    assert verdict("segment_handling", {"tolerance": 0.1}, coverage=below) is True
    no_policy = _coverage(SegmentCoverage("low", False, 10, 10, 0.5))
    assert verdict("segment_handling", coverage=no_policy) is False


def test_segment_handling_needs_a_recent_snapshot() -> None:
    fresh = SegmentCoverage("high", True, 10, 10, 0.9)
    assert verdict("segment_handling", coverage=_coverage(fresh, day=None)) is None
    week_old = _coverage(fresh, day=DAY - dt.timedelta(days=7))
    assert verdict("segment_handling", coverage=week_old) is True
    older = _coverage(fresh, day=DAY - dt.timedelta(days=8))
    assert verdict("segment_handling", coverage=older) is None
    assert verdict("segment_handling", coverage=_coverage()) is None  # no segment with accounts


# --- onboarding standardised --------------------------------------------------------------


def _months(*pairs: tuple[int, int]) -> tuple[MonthCompletion, ...]:
    return tuple(
        MonthCompletion(dt.date(2026, 6 + i, 1), size, done) for i, (size, done) in enumerate(pairs)
    )


def test_onboarding_standardised_holds_when_completion_improves() -> None:
    o = OnboardingEvidence(
        products_active=2,
        products_with_template=2,
        months=_months((4, 2), (4, 2), (4, 2), (4, 3), (4, 3), (4, 2)),  # 6/12 → 8/12
        completion_target=0.9,
    )
    assert verdict("onboarding_standardised", onboarding=o) is True
    shown = lines("onboarding_standardised", onboarding=o)
    assert shown[1].values == {
        "count": 6, "of": 12, "rate": 0.5, "period": "earlier",
        "first": "2026-06-01", "last": "2026-08-01",
    }  # fmt: skip
    assert shown[2].values["count"] == 8


def test_onboarding_standardised_fails_when_completion_drops_or_a_product_has_no_template() -> None:
    dropping = _months((4, 3), (4, 3), (4, 3), (4, 2), (4, 2), (4, 2))
    o = OnboardingEvidence(products_active=1, products_with_template=1, months=dropping)
    assert verdict("onboarding_standardised", onboarding=o) is False
    # a drop of 25 points within a tolerance of 0.25 holds; the default tolerance is 2 points
    assert RULES_BY_KEY["onboarding_standardised"].defaults["tolerance"] == 0.02
    assert verdict("onboarding_standardised", {"tolerance": 0.25}, onboarding=o) is True
    flat = _months(*[(4, 2)] * 6)
    untemplated = OnboardingEvidence(products_active=2, products_with_template=1, months=flat)
    assert verdict("onboarding_standardised", onboarding=untemplated) is False


def test_onboarding_standardised_holds_at_target_even_when_dropping() -> None:
    at_target = _months((4, 4), (4, 4), (4, 4), (4, 4), (4, 4), (4, 3))  # 12/12 → 11/12
    o = OnboardingEvidence(
        products_active=1, products_with_template=1, months=at_target, completion_target=0.9
    )
    assert verdict("onboarding_standardised", onboarding=o) is True


def test_onboarding_standardised_needs_enough_onboardings_in_each_half() -> None:
    few = _months((3, 3), (3, 3), (3, 3), (3, 3), (3, 3), (4, 4))  # 9 before: < 10
    o = OnboardingEvidence(products_active=1, products_with_template=1, months=few)
    assert verdict("onboarding_standardised", onboarding=o) is None
    assert verdict("onboarding_standardised", {"min_cohort": 9}, onboarding=o) is True
    assert verdict("onboarding_standardised", onboarding=OnboardingEvidence()) is None


# --- renewals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned", "due", "expected"), [(8, 10, True), (7, 10, False), (0, 0, None)]
)
def test_renewals_routine(planned: int, due: int, expected: bool | None) -> None:
    r = RenewalEvidence(in_window=due, with_plan=planned)
    assert verdict("renewals_routine", renewals=r) is expected


@pytest.mark.parametrize(
    ("untouched", "renewed", "expected"), [(2, 10, True), (3, 10, False), (0, 0, None)]
)
def test_renewed_touched(untouched: int, renewed: int, expected: bool | None) -> None:
    r = RenewalEvidence(renewed=renewed, renewed_untouched=untouched)
    assert verdict("renewed_touched", renewals=r) is expected


# --- 1:N, managers, ops -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reached", "tech", "expected"), [(25, 100, True), (24, 100, False), (0, 0, None)]
)
def test_one_to_many(reached: int, tech: int, expected: bool | None) -> None:
    a = AccountEvidence(tech_accounts=tech, tech_reached=reached, webinars=3)
    assert verdict("one_to_many", accounts=a) is expected


@pytest.mark.parametrize(
    ("owned", "active", "expected"), [(5, 100, True), (6, 100, False), (0, 0, None)]
)
def test_managers_own_book(owned: int, active: int, expected: bool | None) -> None:
    a = AccountEvidence(active=active, owned_by_managers=owned, managers_with_book=1)
    assert verdict("managers_own_book", accounts=a) is expected


def test_ops_team() -> None:
    assert verdict("ops_team", team=TeamEvidence(ops_members=1)) is True
    assert verdict("ops_team", team=TeamEvidence(ops_members=0)) is False
    assert verdict("ops_team", {"min_members": 2}, team=TeamEvidence(ops_members=1)) is False


# --- scale --------------------------------------------------------------------------------


def test_specialised_teams() -> None:
    assert verdict("specialised_teams", team=TeamEvidence(csms=5, kinds_staffed=3)) is True
    assert verdict("specialised_teams", team=TeamEvidence(csms=5, kinds_staffed=2)) is False
    assert verdict("specialised_teams", team=TeamEvidence(csms=0, kinds_staffed=0)) is None


def test_leaders_span() -> None:
    ok = TeamEvidence(teams=(TeamLeads("A", 8, 1), TeamLeads("B", 9, 2), TeamLeads("C", 0, 0)))
    assert verdict("leaders_span", team=ok) is True
    stretched = TeamEvidence(teams=(TeamLeads("A", 9, 1),))
    assert verdict("leaders_span", team=stretched) is False
    leaderless = TeamEvidence(teams=(TeamLeads("A", 1, 0),))
    assert verdict("leaders_span", team=leaderless) is False
    assert verdict("leaders_span", team=TeamEvidence(teams=(TeamLeads("A", 0, 1),))) is None
    assert lines("leaders_span", team=stretched) == (
        Line("team_span", {"team": "A", "csms": 9, "managers": 1, "ratio": 9.0}),
    )


@pytest.mark.parametrize(
    ("generalists", "csms", "expected"), [(1, 4, True), (2, 4, False), (0, 0, None)]
)
def test_csm_every_role(generalists: int, csms: int, expected: bool | None) -> None:
    assert (
        verdict("csm_every_role", team=TeamEvidence(csms=csms, generalists=generalists)) is expected
    )


def _plan(*gaps: tuple[int, int]) -> TeamEvidence:
    return TeamEvidence(
        plan=tuple(PlanMonth(need, have, max(need - have, 0)) for need, have in gaps)
    )


def test_hiring_on_plan_reads_the_plan_six_months_ahead() -> None:
    on_plan = _plan(*[(6, 6)] * 7)
    assert verdict("hiring_on_plan", team=on_plan) is True
    behind = _plan(*[(6, 6)] * 6, (8, 6))
    assert verdict("hiring_on_plan", team=behind) is False
    assert lines("hiring_on_plan", team=behind) == (
        Line("capacity", {"months": 6, "needed": 8, "headcount": 6, "gap": 2}),
    )
    assert verdict("hiring_on_plan", {"max_gap": 2}, team=behind) is True
    assert verdict("hiring_on_plan", {"horizon_months": 5}, team=behind) is True
    # a horizon past the plan reads its last month
    assert verdict("hiring_on_plan", {"horizon_months": 99}, team=behind) is False
    assert verdict("hiring_on_plan", team=TeamEvidence()) is None
    assert verdict("hiring_on_plan", team=_plan((0, 0))) is None


# --- maturity -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned", "touches", "expected"),
    [(6, 20, True), (5, 20, False), (19, 19, None), (0, 0, None)],
)
def test_proactive_touches(planned: int, touches: int, expected: bool | None) -> None:
    m = MaturityEvidence(touches=touches, planned=planned)
    assert verdict("proactive_touches", maturity=m) is expected


def test_health_in_use() -> None:
    a = AccountEvidence(active=10)
    m = MaturityEvidence(scored=8, score_models=1)
    assert verdict("health_in_use", accounts=a, maturity=m) is True
    assert (
        verdict("health_in_use", accounts=a, maturity=MaturityEvidence(scored=7, score_models=1))
        is False
    )
    assert verdict("health_in_use", accounts=a, maturity=MaturityEvidence(scored=10)) is False
    assert verdict("health_in_use", maturity=m) is None


def test_playbooks_in_use() -> None:
    m = MaturityEvidence(playbooks_active=1, playbook_runs=1)
    assert verdict("playbooks_in_use", maturity=m) is True
    assert verdict("playbooks_in_use", maturity=MaturityEvidence(playbooks_active=1)) is False
    assert verdict("playbooks_in_use", maturity=MaturityEvidence(playbook_runs=3)) is False


def test_outcomes_tracked() -> None:
    tracked = MaturityEvidence(
        rules_enabled=2, firings_judged=10, tasks_done=10, tasks_with_outcome=5
    )
    assert verdict("outcomes_tracked", maturity=tracked) is True
    unrecorded = MaturityEvidence(
        rules_enabled=2, firings_judged=10, tasks_done=10, tasks_with_outcome=4
    )
    assert verdict("outcomes_tracked", maturity=unrecorded) is False
    # too early: fewer than 10 firings 180 days old, or no completed task
    early = MaturityEvidence(rules_enabled=2, firings_judged=9, tasks_done=10, tasks_with_outcome=5)
    assert verdict("outcomes_tracked", maturity=early) is None
    assert (
        verdict("outcomes_tracked", maturity=MaturityEvidence(rules_enabled=2, firings_judged=10))
        is None
    )
    # no rule at all: outcomes are not tracked
    assert verdict("outcomes_tracked", maturity=MaturityEvidence()) is False


# --- thresholds ---------------------------------------------------------------------------


def test_threshold_errors_refuse_unknown_names_non_numbers_and_out_of_range() -> None:
    rule = RULES_BY_KEY["managers_own_book"]
    assert threshold_errors(rule, {"max_share": 0.0}) == {}
    assert threshold_errors(rule, {"max_share": 1}) == {}
    assert threshold_errors(
        rule,
        {
            "max_share": 1.01,
            "nope": 1,
        },
    ) == {"max_share": "out_of_range", "nope": "unknown"}
    assert threshold_errors(rule, {"max_share": float("nan")}) == {"max_share": "not_a_number"}
    assert threshold_errors(rule, {"max_share": "0.5"}) == {"max_share": "not_a_number"}
    assert threshold_errors(rule, {"max_share": True}) == {"max_share": "not_a_number"}
    counts = RULES_BY_KEY["leaders_span"]
    assert threshold_errors(counts, {"max_csms_per_manager": 1e6}) == {}
    assert threshold_errors(counts, {"max_csms_per_manager": 1e6 + 1}) == {
        "max_csms_per_manager": "out_of_range"
    }
    assert threshold_errors(counts, {"max_csms_per_manager": float("inf")}) == {
        "max_csms_per_manager": "out_of_range"
    }


def test_an_override_of_an_unknown_threshold_is_ignored() -> None:
    rule = RULES_BY_KEY["ops_team"]
    assert rule.thresholds({"min_members": 3, "other": 9}) == {"min_members": 3.0}


def test_huge_counts_and_the_last_day_do_not_break_a_rule() -> None:
    huge = 10**12
    a = AccountEvidence(active=huge, one_to_one=huge, unknown=huge // 10)
    late = Evidence(as_of=dt.date.max, accounts=a)
    assert RULES_BY_KEY["accounts_known"].evaluate(late).holds is True
    early = Evidence(
        as_of=dt.date.min,
        coverage=CoverageEvidence(dt.date.min, (SegmentCoverage("high", True, 1, 1, 1.0),)),
    )
    assert RULES_BY_KEY["segment_handling"].evaluate(early).holds is True
