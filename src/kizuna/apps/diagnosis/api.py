"""REST endpoints of the organisation diagnosis (``/api/v1/diagnosis``): the latest stored
run, the verdicts changed since a day, and the rules' thresholds (admins edit them).
docs/diagnosis.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kizuna.apps.api.schemas import Day, errors
from kizuna.apps.diagnosis import selectors, services
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_edit_diagnosis_settings, can_view_diagnosis
from kizuna.core.diagnosis.rules import RULES_BY_KEY

router = Router(tags=["diagnosis"])

Number = int | float | str | bool | None


class EvidenceLineOut(Schema):
    key: str = Field(description="what the line counts (docs/metrics.md)")
    values: dict[str, Number] = Field(description="its numbers: count, of, rate (0-1)…")
    text: str = Field(description="the line in the member's language")


class ThresholdOut(Schema):
    name: str
    label: str
    value: float
    default: float


class FindingOut(Schema):
    key: str
    title: str
    group: str = Field(description="do, avoid or maturity")
    stage: str = Field(description="the phase or maturity level the rule belongs to")
    weight: int
    holds: bool | None = Field(description="null: not enough data")
    verdict: str
    evidence: list[EvidenceLineOut]
    thresholds: list[ThresholdOut]
    link: str = Field(description="the page that explains it")


class DiagnosisOut(Schema):
    day: dt.date = Field(description="the day the diagnosis is as of")
    phase: str = Field(description="startup, pmf_search, pmf_reached or scale")
    phase_label: str
    next_phase: str | None
    held_by: list[str] = Field(description="failing rules of the next phase, heaviest first")
    level: str = Field(description="reactive, insights_actions, outcomes or transform")
    level_label: str
    next_level: str | None
    next_fixes: list[str] = Field(description="the next three things to fix (rule keys)")
    findings: list[FindingOut]
    errors: list[str] = Field(description="evidence parts that could not be read")


class ChangeOut(Schema):
    key: str
    title: str
    before: bool | None
    after: bool | None


class ChangesOut(Schema):
    since_day: dt.date = Field(description="the stored run nearest the day asked")
    latest_day: dt.date
    phase_before: str
    phase_after: str
    level_before: str
    level_after: str
    changes: list[ChangeOut]


class ChangesIn(Schema):
    since: Day = Field(description="compare the latest run with the run nearest this day")


class RuleSettingOut(Schema):
    key: str
    title: str
    group: str
    stage: str
    weight: int
    thresholds: list[ThresholdOut]


class RuleSettingIn(Schema):
    thresholds: dict[str, float] = Field(
        description="threshold name → value; names left out keep their value"
    )


def _viewable(request: AuthedRequest) -> None:
    if not can_view_diagnosis(request.user):
        raise PermissionDenied


def _finding_out(row: selectors.FindingRow, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "key": row.key,
        "title": row.title,
        "group": row.group,
        "stage": row.stage,
        "weight": row.weight,
        "holds": row.holds,
        "verdict": row.verdict,
        "evidence": [{**line, "text": text} for line, text in zip(lines, row.lines, strict=False)],
        "thresholds": list(row.thresholds),
        "link": row.link_url,
    }


@router.get(
    "/diagnosis", response={200: DiagnosisOut, **errors(403, 404)}, summary="Latest diagnosis"
)
def get_diagnosis(request: AuthedRequest) -> Any:
    """The latest stored diagnosis with every rule's verdict and evidence (managers, admins,
    viewers). 404 before the first daily run."""
    _viewable(request)
    run = selectors.latest_run()
    if run is None:
        raise Http404(_("No diagnosis yet."))
    view = selectors.diagnosis_view(run)
    stored = {f.rule_key: f.evidence for f in run.findings.all()}
    return {
        "day": view.day,
        "phase": view.phase,
        "phase_label": view.phase_label,
        "next_phase": view.next_phase,
        "held_by": [f.key for f in view.held_by],
        "level": view.level,
        "level_label": view.level_label,
        "next_level": view.next_level,
        "next_fixes": [f.key for f in view.next_fixes],
        "findings": [
            _finding_out(row, [x for x in stored.get(row.key, []) if isinstance(x, dict)])
            for row in view.findings
        ],
        "errors": list(view.errors),
    }


@router.get(
    "/diagnosis/changes",
    response={200: ChangesOut, **errors(403, 404)},
    summary="Verdicts changed since a day",
)
def get_diagnosis_changes(request: AuthedRequest, filters: Query[ChangesIn]) -> Any:
    """The verdicts that changed between the stored run nearest ``since`` and the latest one.
    404 with fewer than two runs."""
    _viewable(request)
    changes = selectors.diagnosis_changes(filters.since)
    if changes is None:
        raise Http404(_("Fewer than two diagnoses: nothing to compare."))
    return changes


@router.get(
    "/diagnosis/settings",
    response={200: list[RuleSettingOut], **errors(403)},
    summary="Diagnosis rules and thresholds",
)
def list_diagnosis_settings(request: AuthedRequest) -> Any:
    """Every rule with its thresholds now (saved, else the default)."""
    _viewable(request)
    return [_setting_out(row) for row in selectors.rule_settings()]


def _setting_out(row: selectors.RuleSettingRow) -> dict[str, Any]:
    rule = RULES_BY_KEY[row.key]
    return {
        "key": row.key,
        "title": row.title,
        "group": rule.group,
        "stage": rule.stage,
        "weight": row.weight,
        "thresholds": list(row.thresholds),
    }


@router.put(
    "/diagnosis/settings/{rule_key}",
    response={200: RuleSettingOut, **errors(403, 404)},
    summary="Edit a rule's thresholds (admins)",
)
def update_diagnosis_setting(request: AuthedRequest, rule_key: str, payload: RuleSettingIn) -> Any:
    """Sets the thresholds named in the body (audited); used from the next daily run. 400 for
    a threshold the rule does not have, not a number or out of range (shares 0-1)."""
    if not can_edit_diagnosis_settings(request.user):
        raise PermissionDenied
    if rule_key not in RULES_BY_KEY:
        raise Http404(_("No diagnosis rule has this key."))
    services.rule_setting_save(
        actor=request.user, rule_key=rule_key, thresholds=payload.thresholds, via="api"
    )
    (row,) = [r for r in selectors.rule_settings() if r.key == rule_key]
    return _setting_out(row)
