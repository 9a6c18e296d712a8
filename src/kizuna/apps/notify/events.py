"""The catalogue of outbound webhook events: each type an endpoint may subscribe to, with
what it means (docs/webhooks.md shows each one's payload). ``emit_event`` refuses any other."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Account

TASK_CREATED = "task.created"
TASK_COMPLETED = "task.completed"
HEALTH_GRADE_CHANGED = "health.grade_changed"
ONBOARDING_STATE_CHANGED = "onboarding.state_changed"
ACCOUNT_SEGMENT_CHANGED = "account.segment_changed"
COVERAGE_LOST = "coverage.lost"
RULE_FIRED = "rule.fired"

EVENT_TYPES: dict[str, Promise] = {
    TASK_CREATED: _("A task was created"),
    TASK_COMPLETED: _("A task was completed"),
    HEALTH_GRADE_CHANGED: _("An account's health grade changed"),
    ONBOARDING_STATE_CHANGED: _("An onboarding changed state"),
    ACCOUNT_SEGMENT_CHANGED: _("An account's touch model changed"),
    COVERAGE_LOST: _("An account dropped out of coverage"),
    RULE_FIRED: _("An alert rule fired on an account"),
}


class UnknownEvent(ValueError):
    """An event type that is not in ``EVENT_TYPES``."""


def event_type_check(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise UnknownEvent(f"unknown webhook event type: {event_type!r}")
    return event_type


def account_ref(account: Account) -> dict[str, Any]:
    """How every event names an account: ``{"id": 7, "name": "…", "crm_id": "…" or null}``."""
    return {"id": account.pk, "name": account.name, "crm_id": account.external_crm_id or None}
