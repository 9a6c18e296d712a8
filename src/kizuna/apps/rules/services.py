"""Writes of the rules: create a rule, edit it (each edit is a new ``RuleVersion``, never an
overwrite), enable and disable it, keep the company's alert settings. Every write is audited
(``kizuna.apps.audit``) and checked against ``org.access.can_edit_rules``.

What a version holds (``VERSION_FIELDS``) is checked here, for the pages and the API alike
(``rule_data_clean``): a threshold only for the kinds with a value, within that kind's bounds;
grades 1–5; an MRR range that is not upside down; at least one action; touch models, products
and teams that exist (by code); a playbook, active, exactly when the action "start a playbook"
is chosen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record, audited_save, model_snapshot
from kizuna.apps.customers.models import Product, Segment
from kizuna.apps.org.access import require_rules_edit
from kizuna.apps.org.models import Team, User
from kizuna.apps.playbooks.models import Playbook
from kizuna.apps.rules.models import (
    AlertSettings,
    Priority,
    Rule,
    RuleAction,
    RuleVersion,
    TriggerKind,
)
from kizuna.apps.rules.selectors import alert_settings, rule_current_version
from kizuna.core.rules.model import COMPARE, Compare
from kizuna.core.rules.model import TriggerKind as CoreTriggerKind

#: what a version holds, besides its number, note and author
VERSION_FIELDS = [
    "trigger",
    "threshold",
    "segments",
    "products",
    "teams",
    "grades",
    "mrr_min",
    "mrr_max",
    "actions",
    "playbook",
    "priority",
    "cooldown_days",
    "due_in_business_days",
]
BIG = 2**63 - 1
DAYS = (0, 3650)
#: the bounds of a threshold, by kind (the kinds without a value take none)
THRESHOLD_BOUNDS: dict[str, tuple[int, int]] = {
    TriggerKind.SETUP_NOT_DONE: DAYS,
    TriggerKind.COVERAGE_DUE: DAYS,
    TriggerKind.RENEWAL_DUE: DAYS,
    TriggerKind.RENEWAL_PLAN_MISSING: DAYS,
    TriggerKind.PLAN_REVIEW_OVERDUE: DAYS,
    TriggerKind.MRR_CONTRACTION: (0, BIG),
    TriggerKind.HEALTH_FELL: (1, 4),
    TriggerKind.NPS_DETRACTOR: (0, 6),
}
GRADES = range(1, 6)
DEFAULTS: dict[str, Any] = {
    "threshold": None,
    "segments": [],
    "products": [],
    "teams": [],
    "grades": [],
    "mrr_min": None,
    "mrr_max": None,
    "actions": [RuleAction.TASK.value, RuleAction.NOTIFY.value],
    "playbook": None,
    "priority": Priority.MEDIUM.value,
    "cooldown_days": 14,
    "due_in_business_days": 2,
}


def takes_threshold(trigger: str) -> bool:
    """Whether the kind has a value that a threshold compares (``core.rules.model.COMPARE``)."""
    return COMPARE[CoreTriggerKind(trigger)] is not Compare.NONE


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _integer(
    errors: _Errors, field: str, value: Any, low: int, high: int, *, optional: bool
) -> int | None:
    if value is None or value == "":
        if not optional:
            errors.add(field, _("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, _("Enter a whole number."))
        return None
    if not low <= value <= high:
        errors.add(
            field, _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
        return None
    return value


def _codes(
    errors: _Errors, field: str, value: Any, known: Callable[[set[str]], set[str]]
) -> list[str]:
    """A list of distinct codes, each known, sorted (so that the same choice compares equal)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple | set | frozenset) or not all(
        isinstance(v, str) for v in value
    ):
        errors.add(field, _("Give a list of codes."))
        return []
    codes = set(value)
    unknown = sorted(codes - known(codes))
    if unknown:
        errors.add(field, _("Unknown: %(codes)s") % {"codes": ", ".join(unknown[:10])})
    return sorted(codes)


def _known_segments(codes: set[str]) -> set[str]:
    return codes & set(Segment.values)


def _known_products(codes: set[str]) -> set[str]:
    return set(Product.objects.filter(code__in=codes).values_list("code", flat=True))


def _known_teams(codes: set[str]) -> set[str]:
    return set(Team.objects.filter(code__in=codes).values_list("code", flat=True))


def _trigger(errors: _Errors, data: Mapping[str, Any]) -> tuple[str | None, int | None]:
    trigger = data.get("trigger")
    if trigger not in TriggerKind.values:
        errors.add("trigger", _("Choose a trigger."))
        return None, None
    threshold = data.get("threshold")
    if not takes_threshold(trigger):
        if threshold is not None and threshold != "":
            errors.add("threshold", _("This trigger takes no threshold."))
        return trigger, None
    low, high = THRESHOLD_BOUNDS[trigger]
    return trigger, _integer(errors, "threshold", threshold, low, high, optional=True)


def _grades(errors: _Errors, value: Any) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list | tuple | set | frozenset) or not all(
        isinstance(g, int) and not isinstance(g, bool) for g in value
    ):
        errors.add("grades", _("Give a list of grades from 1 to 5."))
        return []
    if not set(value) <= set(GRADES):
        errors.add("grades", _("Grades go from 1 to 5."))
    return sorted(set(value))


def _actions(errors: _Errors, value: Any) -> list[str]:
    if not isinstance(value, list | tuple | set | frozenset) or not all(
        isinstance(a, str) for a in value
    ):
        errors.add("actions", _("Choose at least one action."))
        return []
    actions = set(value)
    if not actions:
        errors.add("actions", _("Choose at least one action."))
    elif not actions <= set(RuleAction.values):
        errors.add("actions", _("Unknown action."))
    return sorted(actions)


def _playbook(errors: _Errors, value: Any, actions: list[str]) -> Playbook | None:
    """The playbook the "start a playbook" action starts: given (a ``Playbook`` or its id),
    existing and active exactly when that action is chosen."""
    if value is None or value == "":
        if RuleAction.PLAYBOOK in actions:
            errors.add("playbook", _("Choose the playbook to start."))
        return None
    if isinstance(value, Playbook):
        playbook: Playbook | None = value
    elif isinstance(value, int) and not isinstance(value, bool) and 0 < value <= BIG:
        playbook = Playbook.objects.filter(pk=value).first()
    else:
        playbook = None
    if playbook is None:
        errors.add("playbook", _("Unknown playbook."))
        return None
    if RuleAction.PLAYBOOK not in actions:
        errors.add(
            "playbook", _("Choose the action “Start a playbook”, or leave the playbook empty.")
        )
    elif not playbook.active:
        errors.add("playbook", _("This playbook is not active."))
    return playbook


def rule_data_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The version fields of ``data`` (missing ones at their defaults), checked and put in
    their stored form (lists sorted and without repeats); a ``ValidationError`` naming each bad
    field otherwise."""
    data = {**DEFAULTS, **{k: v for k, v in data.items() if k in VERSION_FIELDS}}
    errors = _Errors()
    trigger, threshold = _trigger(errors, data)
    mrr_min = _integer(errors, "mrr_min", data["mrr_min"], 0, BIG, optional=True)
    mrr_max = _integer(errors, "mrr_max", data["mrr_max"], 0, BIG, optional=True)
    if mrr_min is not None and mrr_max is not None and mrr_min > mrr_max:
        errors.add("mrr_max", _("The upper MRR bound must be at least the lower one."))
    priority = data["priority"]
    if priority not in Priority.values or isinstance(priority, bool):
        errors.add("priority", _("Choose a priority."))
    actions = _actions(errors, data["actions"])
    cleaned = {
        "trigger": trigger,
        "threshold": threshold,
        "segments": _codes(errors, "segments", data["segments"], _known_segments),
        "products": _codes(errors, "products", data["products"], _known_products),
        "teams": _codes(errors, "teams", data["teams"], _known_teams),
        "grades": _grades(errors, data["grades"]),
        "mrr_min": mrr_min,
        "mrr_max": mrr_max,
        "actions": actions,
        "playbook": _playbook(errors, data["playbook"], actions),
        "priority": priority,
        "cooldown_days": _integer(
            errors, "cooldown_days", data["cooldown_days"], *DAYS, optional=False
        ),
        "due_in_business_days": _integer(
            errors, "due_in_business_days", data["due_in_business_days"], 0, 250, optional=False
        ),
    }
    errors.raise_any()
    return cleaned


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise ValidationError({"name": [_("Give the rule a name.")]})
    if len(name) > 200 or "\x00" in name:
        raise ValidationError({"name": [_("A name has at most 200 characters, none of them NUL.")]})
    return name


def _note(value: Any) -> str:
    note = value.strip() if isinstance(value, str) else ""
    if len(note) > 500 or "\x00" in note:
        raise ValidationError({"note": [_("A note has at most 500 characters, none of them NUL.")]})
    return note


def _version_save(
    *, actor: User, rule: Rule, number: int, cleaned: dict[str, Any], note: str, via: str
) -> RuleVersion:
    version = RuleVersion(rule=rule, version=number, note=note, created_by=actor, **cleaned)
    audited_save(
        version, actor=actor, fields=[*VERSION_FIELDS, "version", "note"], before=None, via=via
    )
    return version


@transaction.atomic
def rule_create(
    *, actor: User, name: Any, data: Mapping[str, Any], note: Any = "", via: str = "web"
) -> Rule:
    """A new rule, disabled, with its version 1."""
    require_rules_edit(actor)
    cleaned_name, cleaned, cleaned_note = _name(name), rule_data_clean(data), _note(note)
    rule = Rule(name=cleaned_name, enabled=False, created_by=actor)
    audited_save(rule, actor=actor, fields=["name", "enabled"], before=None, via=via)
    _version_save(actor=actor, rule=rule, number=1, cleaned=cleaned, note=cleaned_note, via=via)
    return rule


@transaction.atomic
def rule_update(
    *,
    actor: User,
    rule: Rule,
    data: Mapping[str, Any],
    note: Any = "",
    name: Any = None,
    via: str = "web",
) -> RuleVersion:
    """Save ``data`` as the rule's next version (the earlier ones stay as they were), unless it
    says what the current version says: then nothing is saved and the current version is
    returned. ``name``, when given, renames the rule (audited; not a new version)."""
    require_rules_edit(actor)
    cleaned, cleaned_note = rule_data_clean(data), _note(note)
    locked = Rule.objects.select_for_update().get(pk=rule.pk)
    if name is not None:
        new_name = _name(name)
        if new_name != locked.name:
            before = model_snapshot(locked, ["name"])
            locked.name = new_name
            audited_save(locked, actor=actor, fields=["name"], before=before, via=via)
            rule.name = new_name
    current = rule_current_version(locked)
    if current is not None and {f: getattr(current, f) for f in VERSION_FIELDS} == cleaned:
        return current
    number = current.version + 1 if current is not None else 1
    return _version_save(
        actor=actor, rule=locked, number=number, cleaned=cleaned, note=cleaned_note, via=via
    )


def _enabled_set(*, actor: User, rule: Rule, enabled: bool, via: str) -> Rule:
    require_rules_edit(actor)
    locked = Rule.objects.select_for_update().get(pk=rule.pk)
    if locked.enabled != enabled:
        before = model_snapshot(locked, ["enabled"])
        locked.enabled = enabled
        audited_save(locked, actor=actor, fields=["enabled"], before=before, via=via)
    rule.enabled = enabled
    return locked


@transaction.atomic
def rule_enable(*, actor: User, rule: Rule, via: str = "web") -> Rule:
    """Let the daily evaluation run the rule (the page asks for confirmation first)."""
    return _enabled_set(actor=actor, rule=rule, enabled=True, via=via)


@transaction.atomic
def rule_disable(*, actor: User, rule: Rule, via: str = "web") -> Rule:
    return _enabled_set(actor=actor, rule=rule, enabled=False, via=via)


def _settings_snapshot(settings: AlertSettings) -> dict[str, Any]:
    # the audit's snapshot knows no time of day: the digest time is kept as "HH:MM"
    return {
        "weekly_budget": settings.weekly_budget,
        "digest_time": settings.digest_time.strftime("%H:%M"),
    }


@transaction.atomic
def alert_settings_update(
    *, actor: User, weekly_budget: Any, digest_time: Any, via: str = "web"
) -> AlertSettings:
    """The company's weekly budget per CSM (0–1000) and morning digest time (one row)."""
    require_rules_edit(actor)
    errors = _Errors()
    budget = _integer(errors, "weekly_budget", weekly_budget, 0, 1000, optional=False)
    if not isinstance(digest_time, dt.time):
        errors.add("digest_time", _("Enter a time of day."))
    errors.raise_any()
    settings = alert_settings()
    before = _settings_snapshot(settings) if settings.pk else None
    settings.weekly_budget = budget  # type: ignore[assignment]
    settings.digest_time = digest_time
    settings.full_clean()
    settings.save()
    after = _settings_snapshot(settings)
    changes = {k: [None if before is None else before[k], v] for k, v in after.items()}
    changes = {k: pair for k, pair in changes.items() if before is None or pair[0] != pair[1]}
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            instance=settings,
            account_id=None,
            changes=changes,
            via=via,
        )
    return settings
