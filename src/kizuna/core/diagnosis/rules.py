"""The diagnosis rules: each a frozen ``Rule`` (a key, its group and stage, a weight, its
thresholds as data with defaults, and a check from the ``Evidence`` to a ``Verdict``).

A verdict's ``holds`` is True when the rule holds (a "do" is done, an "avoid" is avoided, a
maturity practice is in use), False when it does not, and None for "not enough data" (a zero
denominator, or too few cases to judge). Its ``lines`` are the evidence shown: a key and the
numbers, each rate with its numerator and denominator.

Rates are compared exactly: a share "at least x" holds at x itself, "at most x" too.
docs/metrics.md ("Organisation diagnosis") explains every rule and threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from kizuna.core.diagnosis.evidence import COVERAGE_STALE_DAYS, Evidence

Group = Literal["do", "avoid", "maturity"]
Value = int | float | str | bool | None

#: SmartHR's phases of a CS organisation (seed 000), in order; the first one needs nothing
PHASES: Final = ("startup", "pmf_search", "pmf_reached", "scale")
#: the customer success maturity levels (seed 003), in order; the first one needs nothing
LEVELS: Final = ("reactive", "insights_actions", "outcomes", "transform")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of evidence: what it is (``key``) and its numbers (``values``)."""

    key: str
    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verdict:
    holds: bool | None
    lines: tuple[Line, ...] = ()


Check = Callable[[Evidence, Mapping[str, float]], Verdict]


@dataclass(frozen=True, slots=True)
class Rule:
    """``stage``: the phase (``PHASES``) a "do" or "avoid" rule belongs to, or the maturity
    level (``LEVELS``) of a maturity rule. ``defaults``: every threshold the check reads.
    ``link``: which page explains it (the app maps it to a URL)."""

    key: str
    group: Group
    stage: str
    weight: int
    defaults: Mapping[str, float]
    check: Check
    link: str

    def thresholds(self, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
        """The defaults with ``overrides`` applied; an override of an unknown name is ignored."""
        merged = dict(self.defaults)
        for name, value in (overrides or {}).items():
            if name in merged:
                merged[name] = float(value)
        return merged

    def evaluate(self, evidence: Evidence, overrides: Mapping[str, float] | None = None) -> Verdict:
        return self.check(evidence, self.thresholds(overrides))


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _share(key: str, numerator: int, denominator: int, **extra: Value) -> Line:
    return Line(
        key, {"count": numerator, "of": denominator, "rate": _rate(numerator, denominator), **extra}
    )


# --- start-up → searching for PMF ------------------------------------------------------------


def _onboarding_capacity(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Onboardings per CSM: the open onboardings on owned accounts ÷ the members owning those
    accounts ≤ ``max_per_csm``, and at most ``max_unowned`` on an account with neither an
    owner nor a team (a pooled account, served 1:N by its team, counts in neither)."""
    o = e.onboarding
    owned = o.active - o.unowned - o.pooled
    mean = _rate(owned, o.csms)
    lines = (
        Line(
            "onboardings_per_csm",
            {"onboardings": owned, "csms": o.csms, "mean": mean, "max": o.max_per_csm},
        ),
        Line("onboardings_pooled", {"count": o.pooled, "of": o.active}),
        Line("onboardings_unowned", {"count": o.unowned, "of": o.active}),
    )
    if o.active == 0:
        return Verdict(None, lines)
    within = mean is None or mean <= t["max_per_csm"]
    return Verdict(within and o.unowned <= t["max_unowned"], lines)


def _accounts_known(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Share of the active one-to-one accounts (high and low touch) with no touch in 180 days
    ≤ ``max_unknown_share``. Tech- and community-touch accounts are reached 1:N (their own
    rule, ``one_to_many``)."""
    a = e.accounts
    lines = (_share("accounts_unknown", a.unknown, a.one_to_one),)
    rate = _rate(a.unknown, a.one_to_one)
    return Verdict(None if rate is None else rate <= t["max_unknown_share"], lines)


# --- PMF reached --------------------------------------------------------------------------


def _segment_handling(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Every touch model with accounts has a coverage policy and a coverage rate ≥ its target
    − ``tolerance``, on a snapshot at most 7 days old."""
    c = e.coverage
    shown = [s for s in c.segments if s.total > 0]
    lines = tuple(
        Line(
            "segment_coverage",
            {
                "segment": s.segment,
                "count": s.covered,
                "of": s.total,
                "rate": _rate(s.covered, s.total),
                "target": s.target,
                "policy": s.has_policy,
            },
        )
        for s in shown
    )
    if c.as_of is None or (e.as_of - c.as_of).days > COVERAGE_STALE_DAYS or not shown:
        return Verdict(None, (Line("coverage_snapshot", {"day": _iso(c.as_of)}), *lines))
    ok = all(s.has_policy and s.covered >= (s.target - t["tolerance"]) * s.total for s in shown)
    return Verdict(ok, lines)


def _iso(day: object) -> str | None:
    return None if day is None else str(day)


def _onboarding_standardised(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Every sold product has an onboarding template, and the completion rate within period of
    the last three cohort months is at least the three before's (− ``tolerance``) or at the
    target already. Not enough data below ``min_cohort`` onboardings in either three months."""
    o = e.onboarding
    months = o.months[-6:]
    earlier, recent = months[:-3], months[-3:]
    lines = [Line("templates", {"count": o.products_with_template, "of": o.products_active})]
    halves = []
    for name, half in (("earlier", earlier), ("recent", recent)):
        size = sum(m.cohort_size for m in half)
        done = sum(m.completed_on_time for m in half)
        halves.append((size, _rate(done, size)))
        first = _iso(half[0].month) if half else None
        last = _iso(half[-1].month) if half else None
        lines.append(_share("completion", done, size, period=name, first=first, last=last))
    lines.append(Line("completion_target", {"rate": o.completion_target}))
    (early_size, early_rate), (recent_size, recent_rate) = halves
    if o.products_active == 0 or min(early_size, recent_size) < t["min_cohort"]:
        return Verdict(None, tuple(lines))
    assert early_rate is not None and recent_rate is not None  # sizes ≥ min_cohort ≥ 1
    templated = o.products_with_template >= o.products_active
    improving = recent_rate >= early_rate - t["tolerance"] or recent_rate >= o.completion_target
    return Verdict(templated and improving, tuple(lines))


def _renewals_routine(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Share of the renewals due in the next 90 days (where their touch model requires a plan)
    with a closing plan ≥ ``min_share``. Not enough data without such renewals."""
    r = e.renewals
    rate = _rate(r.with_plan, r.in_window)
    lines = (_share("renewals_with_plan", r.with_plan, r.in_window),)
    return Verdict(None if rate is None else rate >= t["min_share"], lines)


def _one_to_many(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Share of active tech-touch accounts reached by a 1:N touchpoint (webinar) in the last
    90 days ≥ ``min_reach``."""
    a = e.accounts
    rate = _rate(a.tech_reached, a.tech_accounts)
    lines = (_share("tech_reached", a.tech_reached, a.tech_accounts, webinars=a.webinars),)
    return Verdict(None if rate is None else rate >= t["min_reach"], lines)


def _managers_own_book(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Avoid: managers carrying their own book. Holds when the share of active accounts owned
    by managers ≤ ``max_share``."""
    a = e.accounts
    rate = _rate(a.owned_by_managers, a.active)
    lines = (
        _share("manager_accounts", a.owned_by_managers, a.active, managers=a.managers_with_book),
    )
    return Verdict(None if rate is None else rate <= t["max_share"], lines)


def _ops_team(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Avoid: no operations team. Holds with at least ``min_members`` active CS ops members."""
    n = e.team.ops_members
    return Verdict(n >= t["min_members"], (Line("ops_members", {"count": n}),))


def _renewed_touched(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Avoid: renewed accounts left untouched. Of the renewals kept 90 to 365 days ago, the
    share with no touch in the 90 days after the renewal ≤ ``max_untouched_share``."""
    r = e.renewals
    rate = _rate(r.renewed_untouched, r.renewed)
    lines = (_share("renewed_untouched", r.renewed_untouched, r.renewed),)
    return Verdict(None if rate is None else rate <= t["max_untouched_share"], lines)


# --- scale --------------------------------------------------------------------------------


def _specialised_teams(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Teams by role: at least ``min_kinds`` team kinds (strategic, onboarding, adoption,
    enablement) have an active CSM."""
    m = e.team
    lines = (Line("team_kinds", {"count": m.kinds_staffed, "of": m.kinds}),)
    if m.csms == 0:
        return Verdict(None, lines)
    return Verdict(m.kinds_staffed >= t["min_kinds"], lines)


def _leaders_span(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Avoid: leaders over-stretched. Every team with CSMs has a manager, and at most
    ``max_csms_per_manager`` CSMs per manager."""
    teams = [team for team in e.team.teams if team.csms > 0]
    lines = tuple(
        Line(
            "team_span",
            {
                "team": team.team,
                "csms": team.csms,
                "managers": team.managers,
                "ratio": _rate(team.csms, team.managers),
            },
        )
        for team in teams
    )
    if not teams:
        return Verdict(None, lines)
    limit = t["max_csms_per_manager"]
    return Verdict(all(x.managers > 0 and x.csms <= limit * x.managers for x in teams), lines)


def _csm_every_role(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Avoid: CSMs covering every role. Of the active CSMs with accounts, the share owning
    accounts in onboarding, adoption and renewal, of two or more touch models, ≤ ``max_share``."""
    m = e.team
    rate = _rate(m.generalists, m.csms)
    lines = (_share("csm_generalists", m.generalists, m.csms),)
    return Verdict(None if rate is None else rate <= t["max_share"], lines)


def _hiring_on_plan(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Avoid: hiring behind the capacity plan. The hiring need ``horizon_months`` ahead (Σ per
    team of the CSMs the plan needs then − today's headcount, when positive) ≤ ``max_gap``
    people: a CSM hired later than that is not productive in time."""
    plan = e.team.plan
    if not plan:
        return Verdict(None, ())
    month = min(max(int(t["horizon_months"]), 0), len(plan) - 1)
    ahead = plan[month]
    values: dict[str, Value] = {
        "months": month, "needed": ahead.needed, "headcount": ahead.headcount,
        "gap": ahead.hiring_need,
    }  # fmt: skip
    lines = (Line("capacity", values),)
    if ahead.needed == 0 and ahead.headcount == 0:
        return Verdict(None, lines)
    return Verdict(ahead.hiring_need <= t["max_gap"], lines)


# --- maturity -----------------------------------------------------------------------------


def _proactive_touches(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Share of the last 90 days' human touches made while a task on the account was open
    (planned: from a task, a rule or a playbook) ≥ ``min_share``; not enough data under
    ``min_touches`` touches."""
    m = e.maturity
    lines = (_share("touches_planned", m.planned, m.touches),)
    if m.touches == 0 or m.touches < t["min_touches"]:
        return Verdict(None, lines)
    return Verdict(m.planned >= t["min_share"] * m.touches, lines)


def _health_in_use(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """A published health score model, and the share of active accounts scored on the latest
    scoring day ≥ ``min_share``."""
    m = e.maturity
    active = e.accounts.active
    lines = (_share("accounts_scored", m.scored, active, models=m.score_models),)
    if active == 0:
        return Verdict(None, lines)
    return Verdict(m.score_models > 0 and m.scored >= t["min_share"] * active, lines)


def _playbooks_in_use(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """An active playbook, and at least ``min_runs`` runs started in the last 90 days."""
    m = e.maturity
    lines = (Line("playbooks", {"active": m.playbooks_active, "runs": m.playbook_runs}),)
    return Verdict(m.playbooks_active > 0 and m.playbook_runs >= t["min_runs"], lines)


def _outcomes_tracked(e: Evidence, t: Mapping[str, float]) -> Verdict:
    """Outcomes tracked: an outcome recorded on a share ≥ ``min_outcome_share`` of the rule
    and playbook tasks completed in 180 days (the save rate's input), once the rules' precision
    can be measured (at least ``min_judged`` firings 180 days old; before that, and without a
    completed task, not enough data). False without an enabled rule."""
    m = e.maturity
    lines = (
        Line("rules_judged", {"rules": m.rules_enabled, "firings": m.firings_judged}),
        _share("tasks_outcome", m.tasks_with_outcome, m.tasks_done),
    )
    if m.rules_enabled == 0:
        return Verdict(False, lines)
    if m.firings_judged < t["min_judged"] or m.tasks_done == 0:
        return Verdict(None, lines)
    return Verdict(m.tasks_with_outcome >= t["min_outcome_share"] * m.tasks_done, lines)


def _rule(
    key: str, group: Group, stage: str, weight: int, check: Check, link: str, **defaults: float
) -> Rule:
    return Rule(key, group, stage, weight, MappingProxyType(defaults), check, link)


RULES: Final[tuple[Rule, ...]] = (
    _rule("onboarding_capacity", "do", "pmf_search", 9, _onboarding_capacity, "onboarding_board",
          max_per_csm=15, max_unowned=0),
    _rule("accounts_known", "avoid", "pmf_search", 9, _accounts_known, "coverage",
          max_unknown_share=0.1),
    _rule("segment_handling", "do", "pmf_reached", 8, _segment_handling, "coverage",
          tolerance=0.0),
    _rule("onboarding_standardised", "do", "pmf_reached", 8, _onboarding_standardised,
          "onboarding_dashboard", min_cohort=10, tolerance=0.02),
    _rule("renewals_routine", "do", "pmf_reached", 7, _renewals_routine, "renewals",
          min_share=0.8),
    _rule("one_to_many", "do", "pmf_reached", 5, _one_to_many, "coverage", min_reach=0.25),
    _rule("managers_own_book", "avoid", "pmf_reached", 6, _managers_own_book, "load",
          max_share=0.05),
    _rule("ops_team", "avoid", "pmf_reached", 6, _ops_team, "members", min_members=1),
    _rule("renewed_touched", "avoid", "pmf_reached", 7, _renewed_touched, "renewals",
          max_untouched_share=0.2),
    _rule("specialised_teams", "do", "scale", 4, _specialised_teams, "load", min_kinds=3),
    _rule("leaders_span", "avoid", "scale", 5, _leaders_span, "load", max_csms_per_manager=8),
    _rule("csm_every_role", "avoid", "scale", 4, _csm_every_role, "load", max_share=0.25),
    _rule("hiring_on_plan", "avoid", "scale", 5, _hiring_on_plan, "capacity", max_gap=0,
          horizon_months=6),
    _rule("proactive_touches", "maturity", "insights_actions", 6, _proactive_touches, "tasks",
          min_share=0.3, min_touches=20),
    _rule("health_in_use", "maturity", "insights_actions", 5, _health_in_use, "health",
          min_share=0.8),
    _rule("playbooks_in_use", "maturity", "insights_actions", 4, _playbooks_in_use,
          "playbooks", min_runs=1),
    _rule("outcomes_tracked", "maturity", "outcomes", 5, _outcomes_tracked, "rules",
          min_judged=10, min_outcome_share=0.5),
)  # fmt: skip

RULES_BY_KEY: Final[Mapping[str, Rule]] = MappingProxyType({rule.key: rule for rule in RULES})

#: thresholds that are shares, between 0 and 1; every other one is a count or a number of
#: people, between 0 and ``COUNT_MAX``
SHARE_NAMES: Final = frozenset(
    {
        "max_unknown_share", "tolerance", "min_share", "min_reach", "max_share",
        "max_untouched_share", "min_outcome_share",
    }
)  # fmt: skip
COUNT_MAX: Final = 1_000_000


def threshold_bounds(name: str) -> tuple[float, float]:
    """The values a threshold may take (both inclusive)."""
    return (0.0, 1.0) if name in SHARE_NAMES else (0.0, float(COUNT_MAX))


def threshold_errors(rule: Rule, values: Mapping[str, object]) -> dict[str, str]:
    """Why each of ``values`` cannot be one of ``rule``'s thresholds ({name: code}): ``unknown``
    (no such threshold), ``not_a_number`` (also NaN and infinities), ``out_of_range``."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name not in rule.defaults:
            errors[name] = "unknown"
        elif isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            errors[name] = "not_a_number"
        else:
            low, high = threshold_bounds(name)
            if not low <= float(value) <= high:
                errors[name] = "out_of_range"
    return errors
