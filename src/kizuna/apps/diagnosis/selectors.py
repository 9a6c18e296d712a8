"""Reads of the diagnosis: the latest stored run as the page shows it (``diagnosis_latest``),
the verdicts that changed since a day (``diagnosis_changes``, which the monthly report reuses),
and the rules with their thresholds (the settings page, the API). Every result is a frozen
dataclass with its words already in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.formats import number_format

from kizuna.apps.customers.models import Segment
from kizuna.apps.diagnosis import labels
from kizuna.apps.diagnosis.models import DiagnosisFinding, DiagnosisRun
from kizuna.apps.diagnosis.services import rule_overrides
from kizuna.apps.org.models import Team
from kizuna.core.diagnosis.diagnose import Finding, diagnosis_from
from kizuna.core.diagnosis.rules import LEVELS, PHASES, RULES, RULES_BY_KEY, Line


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    name: str
    label: str
    value: float
    default: float

    @property
    def changed(self) -> bool:
        return self.value != self.default


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One rule's verdict as shown: ``state`` is ``holds``, ``fails`` or ``unknown``."""

    key: str
    title: str
    explanation: str
    group: str
    group_label: str
    stage: str
    stage_label: str
    weight: int
    holds: bool | None
    state: str
    verdict: str
    lines: tuple[str, ...]
    thresholds: tuple[ThresholdRow, ...]
    link_url: str
    link_label: str


@dataclass(frozen=True, slots=True)
class StageRow:
    """One phase or maturity level: ``reached`` (it and every one before it hold), ``current``
    (the one shown), and its findings."""

    key: str
    label: str
    reached: bool
    current: bool
    findings: tuple[FindingRow, ...]


@dataclass(frozen=True, slots=True)
class DiagnosisView:
    day: dt.date
    computed_at: dt.datetime
    phase: str
    phase_label: str
    next_phase: str | None
    next_phase_label: str
    held_by: tuple[FindingRow, ...]
    level: str
    level_label: str
    next_level: str | None
    next_level_label: str
    level_held_by: tuple[FindingRow, ...]
    next_fixes: tuple[FindingRow, ...]
    phases: tuple[StageRow, ...]
    levels: tuple[StageRow, ...]
    findings: tuple[FindingRow, ...]
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerdictChange:
    key: str
    title: str
    before: bool | None
    before_label: str
    after: bool | None
    after_label: str
    link_url: str


@dataclass(frozen=True, slots=True)
class DiagnosisChanges:
    """What changed between the run ``since_day`` (the one nearest the day asked) and the
    latest run ``latest_day``: the phase, the level, and each rule whose verdict changed (a
    rule new in the latest run counts as changed from "not enough data")."""

    since_day: dt.date
    latest_day: dt.date
    phase_before: str
    phase_after: str
    level_before: str
    level_after: str
    changes: tuple[VerdictChange, ...]


@dataclass(frozen=True, slots=True)
class RuleSettingRow:
    key: str
    title: str
    explanation: str
    group_label: str
    stage_label: str
    weight: int
    thresholds: tuple[ThresholdRow, ...]


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, float):
        return number_format(round(value, 1), decimal_pos=1, force_grouping=True)
    return str(value)


def _percent(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—"
    return f"{number_format(round(100 * value, 1), decimal_pos=1)}%"


def team_names() -> dict[str, str]:
    """Each team's name in the reader's language, by code (evidence stores the code)."""
    return {team.code: team.name for team in Team.objects.all()}


def line_text(line: Line, teams: Mapping[str, str] | None = None) -> str:
    """One evidence line in the reader's language (an unknown key shows its numbers; a team
    no longer there, its code)."""
    values: dict[str, Any] = dict(line.values)
    template = labels.LINES.get(line.key)
    shown = {name: _text(value) for name, value in values.items()}
    for name in ("rate", "target"):
        if name in values:
            shown[name] = _percent(values[name])
    if "segment" in values:
        shown["segment"] = str(dict(Segment.choices).get(values["segment"], values["segment"]))
    if "team" in values:
        shown["team"] = (teams or {}).get(str(values["team"]), str(values["team"]))
    if "period" in values:
        shown["period"] = str(labels.PERIODS.get(str(values["period"]), values["period"]))
    if template is None:
        return ", ".join(f"{name} {text}" for name, text in shown.items())
    try:
        text = str(template).format(**shown)
    except (KeyError, IndexError, ValueError):
        return ", ".join(f"{name} {text}" for name, text in shown.items())
    if values.get("policy") is False:
        text = f"{text} ({labels.NO_POLICY})"
    return text


def _thresholds(key: str, values: Mapping[str, float]) -> tuple[ThresholdRow, ...]:
    rule = RULES_BY_KEY.get(key)
    defaults = rule.defaults if rule else {}
    return tuple(
        ThresholdRow(
            name=name,
            label=str(labels.THRESHOLDS.get(name, name)),
            value=float(value),
            default=float(defaults.get(name, value)),
        )
        for name, value in values.items()
    )


def finding_row(f: Finding, teams: Mapping[str, str] | None = None) -> FindingRow:
    url_name, link_label = labels.LINKS.get(f.link, ("", ""))
    return FindingRow(
        key=f.key,
        title=str(labels.TITLES.get(f.key, f.key)),
        explanation=str(labels.EXPLANATIONS.get(f.key, "")),
        group=f.group,
        group_label=str(labels.GROUPS.get(f.group, f.group)),
        stage=f.stage,
        stage_label=str(labels.STAGES.get(f.stage, f.stage)),
        weight=f.weight,
        holds=f.holds,
        state={True: "holds", False: "fails", None: "unknown"}[f.holds],
        verdict=str(labels.VERDICTS[f.holds]),
        lines=tuple(line_text(line, teams) for line in f.lines),
        thresholds=_thresholds(f.key, f.thresholds),
        link_url=reverse(url_name) if url_name else "",
        link_label=str(link_label),
    )


def _finding(row: DiagnosisFinding) -> Finding:
    rule = RULES_BY_KEY.get(row.rule_key)
    evidence = row.evidence if isinstance(row.evidence, list) else []
    return Finding(
        key=row.rule_key,
        group=row.group,  # type: ignore[arg-type]
        stage=row.stage,
        weight=row.weight,
        holds=row.holds,
        lines=tuple(
            Line(str(item.get("key", "")), dict(item.get("values") or {}))
            for item in evidence
            if isinstance(item, dict)
        ),
        thresholds=dict(row.thresholds) if isinstance(row.thresholds, dict) else {},
        link=rule.link if rule else "",
    )


def _stage_rows(
    ladder: Sequence[str], reached: str, rows: Sequence[FindingRow]
) -> tuple[StageRow, ...]:
    upto = list(ladder).index(reached) if reached in ladder else 0
    return tuple(
        StageRow(
            key=stage,
            label=str(labels.STAGES[stage]),
            reached=i <= upto,
            current=i == upto,
            findings=tuple(r for r in rows if r.stage == stage),
        )
        for i, stage in enumerate(ladder)
    )


def _label(stage: str | None) -> str:
    return str(labels.STAGES.get(stage, stage)) if stage else ""


def diagnosis_view(run: DiagnosisRun) -> DiagnosisView:
    """One stored run as the page shows it (phase and level recomputed from its findings, as
    the job computed them); three queries: its findings, the teams' names (and the run)."""
    findings = [_finding(row) for row in run.findings.all()]
    order = {rule.key: i for i, rule in enumerate(RULES)}
    findings.sort(key=lambda f: (order.get(f.key, len(order)), f.key))
    result = diagnosis_from(findings)
    teams = team_names()
    rows = tuple(finding_row(f, teams) for f in result.findings)
    by_key = {row.key: row for row in rows}
    return DiagnosisView(
        day=run.day,
        computed_at=run.computed_at,
        phase=result.phase,
        phase_label=_label(result.phase),
        next_phase=result.next_phase,
        next_phase_label=_label(result.next_phase),
        held_by=tuple(by_key[f.key] for f in result.held_by),
        level=result.level,
        level_label=_label(result.level),
        next_level=result.next_level,
        next_level_label=_label(result.next_level),
        level_held_by=tuple(by_key[f.key] for f in result.level_held_by),
        next_fixes=tuple(by_key[f.key] for f in result.next_fixes),
        phases=_stage_rows(PHASES, result.phase, rows),
        levels=_stage_rows(LEVELS, result.level, rows),
        findings=rows,
        errors=tuple(sorted(run.errors)) if isinstance(run.errors, dict) else (),
    )


def latest_run(until: dt.date | None = None) -> DiagnosisRun | None:
    """The latest stored run, or the latest on or before ``until``."""
    runs = (
        DiagnosisRun.objects.all() if until is None else DiagnosisRun.objects.filter(day__lte=until)
    )
    return runs.order_by("-day").first()


def diagnosis_latest() -> DiagnosisView | None:
    """The latest stored run (None before the first); two queries."""
    run = latest_run()
    return diagnosis_view(run) if run else None


def _nearest(since: dt.date, latest: DiagnosisRun) -> DiagnosisRun | None:
    """The run before ``latest`` nearest ``since`` (on a tie, the earlier)."""
    others = DiagnosisRun.objects.filter(day__lt=latest.day)
    before = others.filter(day__lte=since).order_by("-day").first()
    after = others.filter(day__gt=since).order_by("day").first()
    if before is None or after is None:
        return before or after
    return before if (since - before.day) <= (after.day - since) else after


def diagnosis_changes(since: dt.date) -> DiagnosisChanges | None:
    """The verdicts that changed between the run nearest ``since`` and the latest run; None
    with fewer than two runs. The diagnosis page passes the day a month before its run."""
    latest = latest_run()
    return changes_to(latest, since) if latest is not None else None


def changes_to(latest: DiagnosisRun, since: dt.date) -> DiagnosisChanges | None:
    """The verdicts that changed between the run before ``latest`` nearest ``since`` and
    ``latest`` (None without such a run); the monthly report passes its month's last run and
    the month's eve."""
    earlier = _nearest(since, latest)
    if earlier is None:
        return None
    before = {f.key: f for f in (_finding(r) for r in earlier.findings.all())}
    after = [_finding(r) for r in latest.findings.all()]
    order = {rule.key: i for i, rule in enumerate(RULES)}
    after.sort(key=lambda f: (order.get(f.key, len(order)), f.key))
    changes = []
    for f in after:
        old = before[f.key].holds if f.key in before else None
        if old == f.holds:
            continue
        row = finding_row(f)
        changes.append(
            VerdictChange(
                key=f.key,
                title=row.title,
                before=old,
                before_label=str(labels.VERDICTS[old]),
                after=f.holds,
                after_label=row.verdict,
                link_url=row.link_url,
            )
        )
    was = diagnosis_from(list(before.values()))
    now = diagnosis_from(after)
    return DiagnosisChanges(
        since_day=earlier.day,
        latest_day=latest.day,
        phase_before=_label(was.phase),
        phase_after=_label(now.phase),
        level_before=_label(was.level),
        level_after=_label(now.level),
        changes=tuple(changes),
    )


def rule_settings() -> tuple[RuleSettingRow, ...]:
    """Every rule with its thresholds now (saved, else default)."""
    overrides = rule_overrides()
    return tuple(
        RuleSettingRow(
            key=rule.key,
            title=str(labels.TITLES.get(rule.key, rule.key)),
            explanation=str(labels.EXPLANATIONS.get(rule.key, "")),
            group_label=str(labels.GROUPS[rule.group]),
            stage_label=str(labels.STAGES[rule.stage]),
            weight=rule.weight,
            thresholds=_thresholds(rule.key, rule.thresholds(overrides.get(rule.key))),
        )
        for rule in RULES
    )
