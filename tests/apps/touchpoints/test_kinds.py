"""Every place that names touchpoint kinds reads the core's list."""

from __future__ import annotations

from typing import get_args

from kizuna.apps.segments.models import default_qualifying_kinds
from kizuna.apps.touchpoints.api import TouchpointIn
from kizuna.apps.touchpoints.models import TouchpointKind
from kizuna.core.touchpoints import TOUCH_KINDS
from kizuna.integrations.activity_csv import KIND_ALIASES


def test_the_model_the_api_and_the_imports_know_exactly_the_core_kinds() -> None:
    # given / when / then: the model's choices (with their labels) are the core's kinds
    assert tuple(TouchpointKind.values) == TOUCH_KINDS
    assert get_args(TouchpointIn.model_fields["kind"].annotation) == TOUCH_KINDS
    assert set(KIND_ALIASES.values()) == set(TOUCH_KINDS)
    assert default_qualifying_kinds() == ["meeting", "call", "email", "onsite"]
