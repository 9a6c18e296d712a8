"""Writes of the diagnosis: the thresholds CS ops edit (audited), and a day's run (the daily
job), which replaces that day's run and its findings and nothing else."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.diagnosis import labels
from kizuna.apps.diagnosis.frames import evidence_gather
from kizuna.apps.diagnosis.models import DiagnosisFinding, DiagnosisRuleSetting, DiagnosisRun
from kizuna.core.diagnosis.diagnose import diagnose
from kizuna.core.diagnosis.rules import RULES_BY_KEY, threshold_errors

logger = logging.getLogger(__name__)


def rule_overrides() -> dict[str, dict[str, float]]:
    """The saved thresholds per rule key, as the rules read them. A row that cannot be read (a
    rule that no longer exists, thresholds that are not numbers in range: a row edited by hand)
    is skipped with a log line: that rule keeps its defaults."""
    found: dict[str, dict[str, float]] = {}
    for key, values in DiagnosisRuleSetting.objects.values_list("rule_key", "thresholds"):
        rule = RULES_BY_KEY.get(key)
        if rule is None or not isinstance(values, dict) or threshold_errors(rule, values):
            logger.warning("diagnosis: the thresholds of %r are not usable, defaults kept", key)
            continue
        found[key] = {name: float(value) for name, value in values.items()}
    return found


@transaction.atomic
def rule_setting_save(
    *, actor: Any, rule_key: str, thresholds: Mapping[str, float], via: str = "web"
) -> DiagnosisRuleSetting:
    """Set ``rule_key``'s thresholds (every one not given keeps its value). Only the values
    that differ from the defaults are kept. Raises ``ValidationError`` (nothing saved) for an
    unknown rule or a threshold that is unknown, not a number or out of range; the change is
    audited (create or update, old and new thresholds)."""
    rule = RULES_BY_KEY.get(rule_key)
    if rule is None:
        message = str(labels.THRESHOLD_ERRORS["unknown_rule"])
        raise ValidationError({"rule_key": ValidationError(message, code="unknown_rule")})
    errors = threshold_errors(rule, thresholds)
    if errors:
        raise ValidationError(
            {
                name: ValidationError(str(labels.THRESHOLD_ERRORS[code]), code=code)
                for name, code in errors.items()
            }
        )
    setting = DiagnosisRuleSetting.objects.select_for_update().filter(rule_key=rule_key).first()
    before = dict(setting.thresholds) if setting and isinstance(setting.thresholds, dict) else {}
    current = rule.thresholds(before if not threshold_errors(rule, before) else {})
    current.update({name: float(value) for name, value in thresholds.items()})
    kept = {name: value for name, value in current.items() if value != rule.defaults[name]}
    created = setting is None
    if setting is None:
        setting = DiagnosisRuleSetting(rule_key=rule_key)
    setting.thresholds = kept
    setting.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    setting.save()
    changes = {
        name: [before.get(name), kept.get(name)]
        for name in sorted(set(before) | set(kept))
        if before.get(name) != kept.get(name)
    }
    if created or changes:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            instance=setting,
            account_id=None,
            changes=changes,
            via=via,
        )
    return setting


def diagnosis_run(*, day: dt.date) -> DiagnosisRun:
    """Diagnose the organisation as of ``day`` and store it: the evidence is read first (a
    part that cannot be read is left empty, its rules say "not enough data"), then the day's
    run and findings replace the previous ones of that day in one transaction. Rerunning a
    day gives the same rows."""
    evidence, errors = evidence_gather(day)
    result = diagnose(evidence, rule_overrides())
    with transaction.atomic():
        DiagnosisRun.objects.filter(day=day).delete()
        run = DiagnosisRun.objects.create(
            day=day, phase=result.phase, level=result.level, errors=errors
        )
        DiagnosisFinding.objects.bulk_create(
            DiagnosisFinding(
                run=run,
                rule_key=f.key,
                group=f.group,
                stage=f.stage,
                weight=f.weight,
                holds=f.holds,
                evidence=[{"key": line.key, "values": dict(line.values)} for line in f.lines],
                thresholds=dict(f.thresholds),
            )
            for f in result.findings
        )
    return run
