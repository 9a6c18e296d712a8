"""The diagnosis from the rules' verdicts: the phase the data looks like, what holds the team
there, the next things to fix, and the maturity level.

- A stage (a phase of ``PHASES`` or a level of ``LEVELS``) **holds** when none of its rules
  fails and at least one holds ("not enough data" neither holds nor fails). The first stage
  of each ladder needs nothing and always holds; a stage without rules (``transform``) can
  never be shown, as no data says it.
- The **phase shown** is the last of the unbroken run of holding phases from the first: a
  later phase that holds does not count while an earlier one fails.
- **What holds the team there**: the failing rules of the next phase, heaviest first (ties by
  key). None at the last phase.
- **The next things to fix**: every failing rule (any group), heaviest first, the first three
  (``NEXT_COUNT``); ties by the stage's rank, then by key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from kizuna.core.diagnosis.evidence import Evidence
from kizuna.core.diagnosis.rules import LEVELS, PHASES, RULES, Group, Line, Rule

NEXT_COUNT: Final = 3


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict with what it was judged against."""

    key: str
    group: Group
    stage: str
    weight: int
    holds: bool | None
    lines: tuple[Line, ...]
    thresholds: Mapping[str, float]
    link: str


@dataclass(frozen=True, slots=True)
class Diagnosis:
    findings: tuple[Finding, ...]
    phase: str
    next_phase: str | None
    held_by: tuple[Finding, ...]
    level: str
    next_level: str | None
    level_held_by: tuple[Finding, ...]
    next_fixes: tuple[Finding, ...]


def finding(rule: Rule, evidence: Evidence, overrides: Mapping[str, float] | None) -> Finding:
    thresholds = rule.thresholds(overrides)
    verdict = rule.check(evidence, thresholds)
    return Finding(
        key=rule.key,
        group=rule.group,
        stage=rule.stage,
        weight=rule.weight,
        holds=verdict.holds,
        lines=verdict.lines,
        thresholds=thresholds,
        link=rule.link,
    )


def stage_holds(findings: Sequence[Finding], stage: str) -> bool:
    own = [f for f in findings if f.stage == stage]
    return all(f.holds is not False for f in own) and any(f.holds is True for f in own)


def _failing(findings: Sequence[Finding]) -> list[Finding]:
    rank = {stage: i for i, stage in enumerate((*PHASES, *LEVELS))}
    chosen = [f for f in findings if f.holds is False]
    return sorted(chosen, key=lambda f: (-f.weight, rank.get(f.stage, len(rank)), f.key))


def _reached(findings: Sequence[Finding], ladder: Sequence[str]) -> tuple[str, str | None]:
    reached = ladder[0]
    for stage in ladder[1:]:
        if not stage_holds(findings, stage):
            return reached, stage
        reached = stage
    return reached, None


def diagnosis_from(findings: Sequence[Finding]) -> Diagnosis:
    """The phase, level and fixes from findings already evaluated (a stored run's too)."""
    findings = tuple(findings)
    phase, next_phase = _reached(findings, PHASES)
    level, next_level = _reached(findings, LEVELS)
    return Diagnosis(
        findings=findings,
        phase=phase,
        next_phase=next_phase,
        held_by=tuple(_failing([f for f in findings if f.stage == next_phase])),
        level=level,
        next_level=next_level,
        level_held_by=tuple(_failing([f for f in findings if f.stage == next_level])),
        next_fixes=tuple(_failing(findings)[:NEXT_COUNT]),
    )


def diagnose(
    evidence: Evidence,
    overrides: Mapping[str, Mapping[str, float]] | None = None,
    *,
    rules: Sequence[Rule] = RULES,
) -> Diagnosis:
    """Every rule evaluated on ``evidence`` (``overrides``: thresholds per rule key)."""
    overrides = overrides or {}
    return diagnosis_from([finding(rule, evidence, overrides.get(rule.key)) for rule in rules])
