"""Writes: notifying a member, emitting a webhook event, replaying a delivery, keeping
webhook endpoints, preferences and read marks.

``notify_member`` and ``emit_event`` only write rows; every message leaves through its own
queued task (``notify.tasks.deliver``), queued when the caller's transaction commits, so a
rolled-back change sends nothing and a slow or failing endpoint never holds the caller or
another delivery up.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kizuna.apps.customers.models import Account
from kizuna.apps.notify.events import EVENT_TYPES, event_type_check
from kizuna.apps.notify.models import (
    Channel,
    Delivery,
    DeliveryState,
    Mode,
    Notification,
    NotificationPreference,
    Priority,
    WebhookEndpoint,
)
from kizuna.apps.notify.selectors import preference_for
from kizuna.apps.notify.tasks import delivery_enqueue
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.delivery import quiet_hours_end
from kizuna.integrations.slack.messages import slack_message
from kizuna.integrations.teams.messages import teams_message
from kizuna.integrations.webhooks.envelope import envelope
from kizuna.integrations.webhooks.signing import secret_generate


def absolute_link(link: str) -> str:
    """A link for outside the app: a path gets ``KIZUNA_BASE_URL`` in front."""
    return f"{settings.BASE_URL}{link}" if link.startswith("/") else link


def _context_lines(notification: Notification) -> list[str]:
    lines = [_("Priority: %(priority)s") % {"priority": notification.get_priority_display()}]
    if notification.account is not None:
        lines.append(str(notification.account.name))
    return lines


def _email_payload(notification: Notification) -> dict[str, str]:
    parts = [notification.body.strip()] if notification.body.strip() else []
    if notification.safe_link:
        parts.append(_("Open: %(link)s") % {"link": absolute_link(notification.safe_link)})
    parts.append(
        _("You receive this because of your notification settings: %(url)s")
        % {"url": absolute_link(reverse("notify:preferences"))}
    )
    subject = " ".join(f"[Kizuna] {notification.title}".split())
    return {"subject": subject, "body": "\n\n".join(parts) + "\n"}


def _channel_payloads(
    notification: Notification, preference: NotificationPreference, member: User
) -> list[tuple[str, str, dict[str, Any]]]:
    """(channel, target, payload) of each channel the member has on, written in their
    language."""
    link = absolute_link(notification.safe_link) if notification.safe_link else ""
    out: list[tuple[str, str, dict[str, Any]]] = []
    with translation.override(member.language or settings.LANGUAGE_CODE):
        context = _context_lines(notification)
        texts: dict[str, Any] = {
            "title": notification.title,
            "body": notification.body,
            "link": link,
            "context": context,
            "button_label": _("Open in Kizuna"),
        }
        if preference.email and member.email:
            out.append((Channel.EMAIL, member.email, _email_payload(notification)))
        if preference.slack and preference.slack_webhook_url:
            out.append((Channel.SLACK, preference.slack_webhook_url, slack_message(**texts)))
        if preference.teams and preference.teams_webhook_url:
            out.append((Channel.TEAMS, preference.teams_webhook_url, teams_message(**texts)))
    return out


@transaction.atomic
def notify_member(
    *,
    member: User,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    priority: str = Priority.MEDIUM,
    account: Account | None = None,
    now: dt.datetime | None = None,
    interrupt: bool = True,
) -> Notification:
    """Tell ``member``: always an in-app notification; and, unless they take a digest, one
    delivery per channel they have on (e-mail, Slack, Teams), sent at once or, in their quiet
    hours (company time), held until those end. An inactive member gets the in-app
    notification only. ``interrupt=False`` (a rule's alert held for the morning digest): the
    in-app notification only, marked ``held_for_digest``; the digest carries the message."""
    now = now or timezone.now()
    if priority not in Priority.values:
        raise ValueError(f"unknown priority: {priority!r}")
    notification = Notification.objects.create(
        member=member, kind=kind[:64], title=" ".join(title.split())[:200], body=body,
        link=link[:500], priority=priority, account=account, created_at=now,
        held_for_digest=not interrupt,
    )  # fmt: skip
    event_id = f"ntf_{notification.pk}"
    Delivery.objects.create(
        channel=Channel.INAPP, target=member.get_username(), event_type=kind[:64],
        event_id=event_id, member=member, notification=notification,
        state=DeliveryState.SENT, attempts=1, sent_at=now, created_at=now,
    )  # fmt: skip
    preference = preference_for(member)
    if not interrupt or not member.is_active or preference.mode == Mode.DIGEST:
        return notification
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    hold = quiet_hours_end(now, zone=zone, start=preference.quiet_start, end=preference.quiet_end)
    for channel, target, payload in _channel_payloads(notification, preference, member):
        delivery = Delivery.objects.create(
            channel=channel, target=target[:500], event_type=kind[:64], event_id=event_id,
            payload=payload, member=member, notification=notification,
            next_attempt_at=hold, created_at=now,
        )  # fmt: skip
        delivery_enqueue(delivery.pk, run_after=hold)
    return notification


@transaction.atomic
def member_message_queue(
    *,
    member: User,
    kind: str,
    event_id: str,
    email: Mapping[str, str] | None = None,
    slack: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> list[Delivery]:
    """Queue a message the caller wrote (a digest) to the member's channels: the e-mail
    payload (``subject``, ``body``, optionally ``html``) when they take e-mail and have an
    address, the Slack payload when they take Slack and have a webhook URL. No in-app
    notification; quiet hours are not applied (the caller picks the time). An inactive
    member gets nothing. Returns the deliveries written (sent when the transaction commits)."""
    now = now or timezone.now()
    if not member.is_active:
        return []
    preference = preference_for(member)
    wanted: list[tuple[str, str, Mapping[str, Any]]] = []
    if email is not None and preference.email and member.email:
        wanted.append((Channel.EMAIL, member.email, email))
    if slack is not None and preference.slack and preference.slack_webhook_url:
        wanted.append((Channel.SLACK, preference.slack_webhook_url, slack))
    deliveries = []
    for channel, target, payload in wanted:
        delivery = Delivery.objects.create(
            channel=channel, target=target[:500], event_type=kind[:64], event_id=event_id[:64],
            payload=dict(payload), member=member, created_at=now,
        )  # fmt: skip
        delivery_enqueue(delivery.pk)
        deliveries.append(delivery)
    return deliveries


@transaction.atomic
def emit_event(
    *, event_type: str, data: Mapping[str, Any], occurred_at: dt.datetime | None = None
) -> list[Delivery]:
    """One webhook delivery of the event per active endpoint subscribed to its type (none
    when no endpoint is). ``data`` must be JSON-serialisable. Raises UnknownEvent for a type
    outside the catalogue (``notify.events.EVENT_TYPES``)."""
    event_type_check(event_type)
    occurred_at = occurred_at or timezone.now()
    event_id = f"evt_{uuid.uuid4().hex}"
    payload = envelope(event_type=event_type, occurred_at=occurred_at, data=data)
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True).order_by("pk")
        if event_type in endpoint.event_types
    ]
    deliveries = []
    for endpoint in endpoints:
        delivery = Delivery.objects.create(
            channel=Channel.WEBHOOK, target=endpoint.url, event_type=event_type,
            event_id=event_id, payload=payload, endpoint=endpoint,
        )  # fmt: skip
        delivery_enqueue(delivery.pk)
        deliveries.append(delivery)
    return deliveries


class CannotReplay(ValueError):
    """An in-app delivery (nothing to send), or a webhook whose endpoint is deactivated."""


@transaction.atomic
def delivery_replay(*, delivery: Delivery) -> Delivery:
    """A new delivery of the same payload to the same place, sent at once. A webhook keeps
    its event id as ``webhook-id`` (Standard Webhooks: consumers drop what they have seen)
    and goes to the endpoint's URL of today."""
    if delivery.channel == Channel.INAPP:
        raise CannotReplay(_("An in-app notification has nothing to send again."))
    endpoint = (  # as it is now, not as the delivery was loaded
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).first()
        if delivery.endpoint_id is not None
        else None
    )
    if delivery.channel == Channel.WEBHOOK and (endpoint is None or not endpoint.active):
        raise CannotReplay(_("The endpoint is deactivated."))
    replay = Delivery.objects.create(
        channel=delivery.channel,
        target=endpoint.url if endpoint is not None else delivery.target,
        event_type=delivery.event_type, event_id=delivery.event_id, payload=delivery.payload,
        member=delivery.member, notification=delivery.notification, endpoint=endpoint,
        replay_of=delivery,
    )  # fmt: skip
    delivery_enqueue(replay.pk)
    return replay


def event_types_check(event_types: Iterable[str]) -> list[str]:
    """The subscribed types in catalogue order, each once; UnknownEvent for any other."""
    wanted = {event_type_check(event_type) for event_type in event_types}
    return [event_type for event_type in EVENT_TYPES if event_type in wanted]


@transaction.atomic
def webhook_endpoint_create(
    *, url: str, description: str = "", event_types: Iterable[str], by: User | None
) -> WebhookEndpoint:
    """A new active endpoint with a newly generated signing secret (shown to the admin once,
    by the page or the API answer that creates it)."""
    return WebhookEndpoint.objects.create(
        url=url, description=description, event_types=event_types_check(event_types),
        secret=secret_generate(), created_by=by,
    )  # fmt: skip


@transaction.atomic
def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop sending to it: no new delivery; waiting ones give up at their next attempt."""
    if endpoint.active:
        endpoint.active = False
        endpoint.deactivated_at = timezone.now()
        endpoint.save(update_fields=["active", "deactivated_at"])
    return endpoint


@transaction.atomic
def notifications_mark_read(
    *, member: User, ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Mark the member's unread notifications read (those of ``ids`` only, when given; ids
    of someone else's are ignored). Returns how many changed."""
    rows = Notification.objects.filter(member=member, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=now or timezone.now())


PREFERENCE_FIELDS = (
    "email", "slack", "slack_webhook_url", "teams", "teams_webhook_url", "mode",
    "quiet_start", "quiet_end", "digest",
)  # fmt: skip


@transaction.atomic
def preference_update(*, member: User, **values: Any) -> NotificationPreference:
    """Save the member's preferences (only the fields named in ``PREFERENCE_FIELDS``);
    validated by the caller's form or schema (``NotificationPreference.full_clean`` too)."""
    unknown = set(values) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValueError(f"unknown preference fields: {sorted(unknown)}")
    preference, _created = NotificationPreference.objects.get_or_create(member=member)
    for name, value in values.items():
        setattr(preference, name, value)
    preference.full_clean()
    preference.save()
    return preference
