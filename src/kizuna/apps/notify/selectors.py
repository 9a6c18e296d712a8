"""Reads of notifications, preferences, webhook endpoints and deliveries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from kizuna.apps.notify.models import (
    Delivery,
    DeliveryState,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from kizuna.apps.org.models import User


def preference_for(member: User) -> NotificationPreference:
    """The member's preferences; without a saved row, the defaults unsaved (in-app and e-mail,
    immediately, no quiet hours): a read never writes."""
    found = NotificationPreference.objects.filter(member=member).first()
    return found if found is not None else NotificationPreference(member=member)


def notifications_for(member: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The member's own notifications, newest first."""
    rows = Notification.objects.filter(member=member).select_related("account")
    return rows.filter(read_at__isnull=True) if unread_only else rows


def unread_count(member: User) -> int:
    return Notification.objects.filter(member=member, read_at__isnull=True).count()


#: The states the ops page's "failing" filter shows: waiting for a retry, or given up.
FAILING = (DeliveryState.FAILED, DeliveryState.DEAD)


def deliveries_list(
    *, state: str = "", channel: str = "", failing: bool = False
) -> QuerySet[Delivery]:
    """Every delivery, newest first, optionally of one state or channel, or failing only."""
    rows = Delivery.objects.select_related("member", "endpoint")
    if failing:
        rows = rows.filter(state__in=FAILING)
    if state:
        rows = rows.filter(state=state)
    if channel:
        rows = rows.filter(channel=channel)
    return rows


def webhook_endpoints_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


#: How long past its time a waiting delivery may stay before the minute job queues it again:
#: its task should have run by then (the worker died mid-attempt, or the process ended between
#: the commit and the queueing). Longer than the claim's lease (``sending.LEASE``).
STRANDED_AFTER = dt.timedelta(minutes=10)


def deliveries_stranded(*, now: dt.datetime) -> QuerySet[Delivery]:
    """Pending or failed deliveries whose attempt is more than ``STRANDED_AFTER`` overdue."""
    cutoff = now - STRANDED_AFTER
    overdue = Q(next_attempt_at__lte=cutoff) | Q(
        next_attempt_at__isnull=True, created_at__lte=cutoff
    )
    return Delivery.objects.filter(overdue, state__in=(DeliveryState.PENDING, DeliveryState.FAILED))


def event_subscribed(event_type: str) -> bool:
    """Does an active endpoint subscribe to ``event_type``? An app whose event costs work to
    detect (the health grades of every account) asks first, and skips it when nobody listens."""
    return any(
        event_type in types
        for types in WebhookEndpoint.objects.filter(active=True).values_list(
            "event_types", flat=True
        )
    )
