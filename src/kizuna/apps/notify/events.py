"""The catalogue of outbound webhook events: each type an endpoint may subscribe to, with
what it means (docs/webhooks.md shows each one's payload). ``emit_event`` refuses any other."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TASK_CREATED = "task.created"
TASK_COMPLETED = "task.completed"
HEALTH_GRADE_CHANGED = "health.grade_changed"
ONBOARDING_STATE_CHANGED = "onboarding.state_changed"
ACCOUNT_SEGMENT_CHANGED = "account.segment_changed"
COVERAGE_LOST = "coverage.lost"

EVENT_TYPES: dict[str, Promise] = {
    TASK_CREATED: _("A task was created"),
    TASK_COMPLETED: _("A task was completed"),
    HEALTH_GRADE_CHANGED: _("An account's health grade changed"),
    ONBOARDING_STATE_CHANGED: _("An onboarding changed state"),
    ACCOUNT_SEGMENT_CHANGED: _("An account's touch model changed"),
    COVERAGE_LOST: _("An account dropped out of coverage"),
}


class UnknownEvent(ValueError):
    """An event type that is not in ``EVENT_TYPES``."""


def event_type_check(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise UnknownEvent(f"unknown webhook event type: {event_type!r}")
    return event_type
