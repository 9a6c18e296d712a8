"""The onboarding timeline: from dated facts to states, transitions with reasons, and signals.

An onboarding follows one template version: ordered phases, each with a **target day** (days
after the start, the contract start when CS takes over) and completion criteria. The facts are
the days each criterion was met (a CSM's tick, or the first day a usage rule held), and the day
the subscription ended, if it did. Everything is a calendar day in the company time zone: the
caller turns a tick's aware time into its local date before calling.

States, as of a day *d* (the first rule that applies wins):

1. ``churned``: the subscription ended on or before *d* (end dates are exclusive) and the
   onboarding was not completed before it ended;
2. ``completed`` (or ``revived`` when it had been ``expected_churn`` before): every criterion
   of every phase met on or before *d*; the completion day is the day the last one was met;
3. ``expected_churn`` (解約見込): *d* is after the final target + ``grace_days``;
4. ``stalled`` (オンボ滞留): some phase's target day is before *d* and that phase was not done
   by then (a phase is done the day its last criterion is met). On the target day itself the
   phase is not late yet;
5. ``in_progress`` otherwise, including a stalled onboarding that caught up (every late phase
   done, the next target not passed yet).

``timeline`` replays the facts day by day (only the days where something can change) and
returns every state change with its reason, so a stored history can be compared with a
re-computed one, and the reasons never depend on when the job ran. Reasons name phases and
criteria by their keys (``details["phase"]``, ``details["unmet"]``), so that a page can show
them in the reader's language.

Signals (the alert rules consume them), each dated the first day it is true:

- ``setup_not_done``: the setup phase (``is_setup``, else the first) is not done by
  start + ``setup_due_day``; dated the day after;
- ``phase_overdue``: a phase's target passed unmet; dated target + 1, one per phase;
- ``no_usage``: no event in the first ``no_usage_days`` days (start … start + n − 1); dated
  start + n;
- ``stalled_long``: stalled for more than ``stalled_alert_days`` days in a row; dated
  stall start + n + 1 if still stalled then.

Signals after the onboarding completed or ended are not raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Final


class State(StrEnum):
    IN_PROGRESS = "in_progress"
    STALLED = "stalled"
    EXPECTED_CHURN = "expected_churn"
    COMPLETED = "completed"
    REVIVED = "revived"
    CHURNED = "churned"


OPEN_STATES: Final = frozenset({State.IN_PROGRESS, State.STALLED, State.EXPECTED_CHURN})
DONE_STATES: Final = frozenset({State.COMPLETED, State.REVIVED})


@dataclass(frozen=True, slots=True)
class UsageRule:
    """A criterion met from the usage rollups; see ``kizuna.core.onboarding.rules``.

    ``metric``: ``events`` (all events), ``feature_events`` (events of ``feature``),
    ``active_days`` (days with at least one event) — each summed over ``window_days`` days
    ending on a day, at least ``threshold``; or ``seat_share``: the day's active users are at
    least ``threshold`` percent of the contracted seats.
    """

    metric: str
    threshold: int
    window_days: int = 7
    feature: str = ""

    def __post_init__(self) -> None:
        if self.metric not in RULE_METRICS:
            raise ValueError(f"unknown usage metric {self.metric!r}")
        if self.threshold < 1 or self.window_days < 1:
            raise ValueError("threshold and window_days must be at least 1")
        if (self.metric == "feature_events") != bool(self.feature):
            raise ValueError("a feature is needed for feature_events, and only there")


RULE_METRICS: Final = ("events", "feature_events", "active_days", "seat_share")


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    label: str
    rule: UsageRule | None = None  # None: a manual check a CSM ticks


@dataclass(frozen=True, slots=True)
class Phase:
    key: str
    name: str
    target_day: int
    criteria: tuple[Criterion, ...]
    is_setup: bool = False


@dataclass(frozen=True, slots=True)
class Template:
    phases: tuple[Phase, ...]

    def __post_init__(self) -> None:
        if not self.phases:
            raise ValueError("a template needs at least one phase")
        days = [p.target_day for p in self.phases]
        if days != sorted(days) or days[0] < 0:
            raise ValueError("phase target days must be non-negative and in phase order")

    def setup_phase(self) -> Phase:
        return next((p for p in self.phases if p.is_setup), self.phases[0])


@dataclass(frozen=True, slots=True)
class CriterionSpec:
    """A completion criterion as a template version is written (the template editor, the
    demo), before it is stored: its label in Japanese and in English, and its usage rule (None:
    a manual check a CSM ticks). ``key`` names it where the writer needs a name of its own (the
    demo's met days); a stored criterion is keyed by its id (``Criterion.key``)."""

    label_ja: str
    label_en: str
    rule: UsageRule | None = None
    key: str = ""


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    """A phase as a template version is written: its name in both languages, its target day
    (days after the start) and its criteria; ``is_setup`` marks the initial setup."""

    name_ja: str
    name_en: str
    target_day: int
    criteria: tuple[CriterionSpec, ...]
    is_setup: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    """Thresholds (data an admin edits): days after the final target before expected churn,
    and the days of the alerts."""

    grace_days: int = 30
    setup_due_day: int = 14
    no_usage_days: int = 14
    stalled_alert_days: int = 14


@dataclass(frozen=True, slots=True)
class Facts:
    started_on: date
    met_on: Mapping[str, date] = field(default_factory=dict)  # criterion key → local day
    ended_on: date | None = None  # subscription end, exclusive
    first_usage_on: date | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    on: date
    from_state: State | None
    to_state: State
    reason: str
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Signal:
    on: date
    kind: str
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PhaseStatus:
    phase: Phase
    target_on: date
    done_on: date | None  # None: not done as of the day asked
    met: Mapping[str, date]


@dataclass(frozen=True, slots=True)
class Timeline:
    state: State
    transitions: tuple[Transition, ...]
    signals: tuple[Signal, ...]
    phases: tuple[PhaseStatus, ...]
    target_on: date
    completed_on: date | None
    current_phase: Phase | None  # the first phase not done; None when all are

    @property
    def stalled_on(self) -> date | None:
        return _first(self.transitions, State.STALLED)

    @property
    def expected_churn_on(self) -> date | None:
        return _first(self.transitions, State.EXPECTED_CHURN)


def _first(transitions: tuple[Transition, ...], state: State) -> date | None:
    return next((t.on for t in transitions if t.to_state == state), None)


def phase_done_on(phase: Phase, met_on: Mapping[str, date], as_of: date) -> date | None:
    """The day the phase's last criterion was met (on or before ``as_of``); a phase without
    criteria is done from the start (returns ``date.min``)."""
    days = [met_on.get(c.key) for c in phase.criteria]
    if any(d is None or d > as_of for d in days):
        return None
    return max((d for d in days if d is not None), default=date.min)


def timeline(template: Template, facts: Facts, *, as_of: date, policy: Policy) -> Timeline:
    """Replay the onboarding up to ``as_of`` (inclusive): state, dated transitions, signals.

    Each day that can change something is looked at twice: in the morning, deadlines apply to
    what was done *before* that day (a phase due yesterday and not done is late this morning);
    in the evening, what was met that day counts. A phase finished on the day after its target
    is therefore stalled and caught up on the same day, and both transitions are kept.
    """
    start = facts.started_on
    targets = [start + timedelta(days=p.target_day) for p in template.phases]
    done = [phase_done_on(p, facts.met_on, as_of) for p in template.phases]
    done = [max(d, start) if d is not None else None for d in done]
    completed = max((d for d in done if d is not None), default=None) if all(done) else None
    ended = facts.ended_on if facts.ended_on and facts.ended_on <= as_of else None
    if ended and completed and completed >= ended:
        completed = None  # met after the subscription ended: too late to count
    day_of = _Days(template, facts.met_on, targets, done, completed, ended, policy.grace_days)
    moments = {start, day_of.churn_from, *(t + timedelta(days=1) for t in targets)}
    moments |= {d for d in (*done, completed, ended) if d is not None}
    transitions: list[Transition] = []
    state: State | None = None
    for day in sorted(m for m in moments if start <= m <= as_of):
        for evening in (False, True):
            new, reason, details = day_of.state(day, evening=evening)
            if new == State.COMPLETED and state == State.EXPECTED_CHURN:
                new, reason = State.REVIVED, "completed_after_expected_churn"
            if new == State.IN_PROGRESS:
                reason = "caught_up" if state == State.STALLED else "handed_over"
            if new != state:
                transitions.append(Transition(day, state, new, reason, details))
                state = new
        if state in DONE_STATES or state == State.CHURNED:
            break
    final_state = state or State.IN_PROGRESS
    statuses = tuple(
        PhaseStatus(p, t, d, _met(p, facts.met_on, as_of))
        for p, t, d in zip(template.phases, targets, done, strict=True)
    )
    current = next((p for p, d in zip(template.phases, done, strict=True) if d is None), None)
    kept = (final_state, tuple(transitions))
    signals = _signals(template, facts, kept[1], targets, done, as_of=as_of, policy=policy)
    return Timeline(*kept, signals, statuses, targets[-1], completed, current)


def _met(phase: Phase, met_on: Mapping[str, date], as_of: date) -> dict[str, date]:
    return {
        c.key: met_on[c.key] for c in phase.criteria if c.key in met_on and met_on[c.key] <= as_of
    }


def _by(day: date | None, on: date, *, evening: bool) -> bool:
    """Whether something dated ``day`` had happened by the morning / evening of ``on``."""
    return day is not None and (day <= on if evening else day < on)


@dataclass(frozen=True, slots=True)
class _Days:
    template: Template
    met_on: Mapping[str, date]
    targets: list[date]
    done: list[date | None]
    completed: date | None
    ended: date | None
    grace_days: int

    @property
    def churn_from(self) -> date:
        return self.targets[-1] + timedelta(days=self.grace_days + 1)

    def state(self, day: date, *, evening: bool) -> tuple[State, str, dict[str, Any]]:
        if self.ended and self.ended <= day:
            return State.CHURNED, "subscription_ended", {"ended_on": self.ended.isoformat()}
        if _by(self.completed, day, evening=evening):
            assert self.completed is not None
            return State.COMPLETED, "all_criteria_met", {"completed_on": self.completed.isoformat()}
        if day >= self.churn_from:
            details = {
                "target_on": self.targets[-1].isoformat(),
                "grace_days": self.grace_days,
                "unmet": self._unmet(self.template.phases, day, evening=evening),
            }
            return State.EXPECTED_CHURN, "past_final_target", details
        for phase, target, done_on in zip(
            self.template.phases, self.targets, self.done, strict=True
        ):
            if target < day and not _by(done_on, day, evening=evening):
                details = {
                    "phase": phase.key,
                    "target_on": target.isoformat(),
                    "unmet": self._unmet((phase,), day, evening=evening),
                }
                return State.STALLED, "phase_overdue", details
        return State.IN_PROGRESS, "", {}

    def _unmet(self, phases: tuple[Phase, ...], day: date, *, evening: bool) -> list[str]:
        return [
            c.key
            for p in phases
            for c in p.criteria
            if not _by(self.met_on.get(c.key), day, evening=evening)
        ]


def _signals(
    template: Template,
    facts: Facts,
    transitions: tuple[Transition, ...],
    targets: list[date],
    done: list[date | None],
    *,
    as_of: date,
    policy: Policy,
) -> tuple[Signal, ...]:
    start = facts.started_on
    closed = next(
        (t.on for t in transitions if t.to_state in DONE_STATES | {State.CHURNED}),
        None,
    )
    signals: list[Signal] = []
    setup = template.setup_phase()
    setup_done = done[template.phases.index(setup)]
    due = start + timedelta(days=policy.setup_due_day)
    if setup_done is None or setup_done > due:
        signals.append(Signal(due + timedelta(days=1), "setup_not_done", {"phase": setup.key}))
    for phase, target, done_on in zip(template.phases, targets, done, strict=True):
        if done_on is None or done_on > target:
            details = {"phase": phase.key, "target_on": target.isoformat()}
            signals.append(Signal(target + timedelta(days=1), "phase_overdue", details))
    quiet_until = start + timedelta(days=policy.no_usage_days)
    if facts.first_usage_on is None or facts.first_usage_on >= quiet_until:
        signals.append(Signal(quiet_until, "no_usage", {"days": policy.no_usage_days}))
    signals += _stalled_long(transitions, as_of=as_of, days=policy.stalled_alert_days)
    return tuple(
        sorted(
            (s for s in signals if s.on <= as_of and (closed is None or s.on < closed)),
            key=lambda s: (s.on, s.kind),
        )
    )


def _stalled_long(transitions: tuple[Transition, ...], *, as_of: date, days: int) -> list[Signal]:
    found = []
    for index, transition in enumerate(transitions):
        if transition.to_state != State.STALLED:
            continue
        ends = transitions[index + 1].on if index + 1 < len(transitions) else None
        alert_on = transition.on + timedelta(days=days + 1)
        if (ends is None or ends > alert_on) and alert_on <= as_of:
            found.append(Signal(alert_on, "stalled_long", {"since": transition.on.isoformat()}))
    return found
