from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kizuna.apps.notify.selectors import unread_count
from kizuna.apps.org.access import can_use_notifications, can_view_deliveries


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``notify``: the bell's unread count and whether the member sees the deliveries page,
    for the layout (counted only when a template reads it)."""
    user = request.user

    def read() -> dict[str, Any]:
        if not can_use_notifications(user):
            return {"unread": 0, "bell": False, "deliveries": False}
        return {
            "unread": unread_count(user),  # type: ignore[arg-type]
            "bell": True,
            "deliveries": can_view_deliveries(user),
        }

    return {"notify": SimpleLazyObject(read)}
