"""``{% load touchpoints %}``: what a member may do with a touchpoint, asked of ``org.access``."""

from __future__ import annotations

from typing import Any

from django import template

from kizuna.apps.org.access import can_edit_touchpoint
from kizuna.apps.touchpoints.models import Touchpoint

register = template.Library()


@register.filter
def editable_by(touchpoint: Touchpoint, user: Any) -> bool:
    """``{% if tp|editable_by:user %}``: may ``user`` edit or delete ``touchpoint``."""
    return can_edit_touchpoint(user, touchpoint)
