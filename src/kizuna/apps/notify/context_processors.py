from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kizuna.apps.notify.selectors import unread_count
from kizuna.apps.org.access import can_use_notifications, can_view_deliveries
from kizuna.apps.org.models import User


@dataclass(frozen=True)
class NotifyBar:
    """What the layout shows of notifications: the bell (and its unread count) and the link
    to the deliveries page."""

    bell: bool = False
    unread: int = 0
    deliveries: bool = False


def notifications(request: HttpRequest) -> dict[str, SimpleLazyObject[NotifyBar]]:
    """``notify`` for the layout: counted only when a template reads it (one query)."""

    def read() -> NotifyBar:
        user = request.user
        if not isinstance(user, User) or not can_use_notifications(user):
            return NotifyBar()
        return NotifyBar(bell=True, unread=unread_count(user), deliveries=can_view_deliveries(user))

    return {"notify": SimpleLazyObject(read)}
