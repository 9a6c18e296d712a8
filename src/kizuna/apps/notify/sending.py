"""Sending one delivery: the work of its task (``notify.tasks.deliver``).

A delivery is claimed before it is sent, by a conditional UPDATE that only a delivery still
waiting (pending, or failed and due) passes, and that moves its ``next_attempt_at`` a lease
ahead: a second run of the same task, at once or later, finds nothing to do, and a sent or
dead delivery is never sent again. The outcome is then written on the row: sent, or failed
with its status and error and the time of its next attempt (``core.delivery.RETRY_DELAYS``),
or dead after the last one.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import Q

from kizuna.apps.notify.http import PostFailed, post_json
from kizuna.apps.notify.models import ERROR_MAX, Channel, Delivery, DeliveryState
from kizuna.core.delivery import retry_delay
from kizuna.integrations.webhooks.envelope import body as body_bytes
from kizuna.integrations.webhooks.signing import signed_headers

log = logging.getLogger("kizuna.notify")

#: How long a claimed delivery is left to its attempt before another run may take it again
#: (well over the HTTP and SMTP time-outs).
LEASE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Attempt:
    """What one run of a delivery's task did."""

    delivery_id: int
    state: str  # the delivery's state after the run ("" when it did not exist)
    ran: bool  # False when there was nothing to do (sent, dead, not yet due, or claimed)
    retry_at: dt.datetime | None = None

    def line(self) -> str:
        if not self.ran:
            return f"delivery {self.delivery_id}: nothing to do ({self.state or 'missing'})"
        when = f", next attempt {self.retry_at.isoformat()}" if self.retry_at else ""
        return f"delivery {self.delivery_id}: {self.state}{when}"


class SendFailed(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    waiting = Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.FAILED)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return (
        Delivery.objects.filter(waiting & due, pk=delivery_id).update(next_attempt_at=now + LEASE)
        == 1
    )


def delivery_attempt(*, delivery_id: int, now: dt.datetime) -> Attempt:
    """Send the delivery if it is waiting and due; record the outcome on its row."""
    if not _claim(delivery_id, now):
        state = Delivery.objects.filter(pk=delivery_id).values_list("state", flat=True).first()
        return Attempt(delivery_id, state or "", ran=False)
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    attempts = delivery.attempts + 1
    try:
        status = _send(delivery, now)
    except SendFailed as failure:
        return _record_failure(delivery, attempts, failure, now)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENT,
        attempts=attempts,
        sent_at=now,
        next_attempt_at=None,
        last_status_code=status,
        last_error="",
    )
    log.info("delivery %s %s → %s: sent (attempt %s)", delivery.pk, delivery.channel,
             delivery.target, attempts)  # fmt: skip
    return Attempt(delivery.pk, DeliveryState.SENT, ran=True)


def _record_failure(
    delivery: Delivery, attempts: int, failure: SendFailed, now: dt.datetime
) -> Attempt:
    wait = retry_delay(attempts)
    retry_at = now + wait if wait is not None else None
    state = DeliveryState.FAILED if retry_at is not None else DeliveryState.DEAD
    Delivery.objects.filter(pk=delivery.pk).update(
        state=state,
        attempts=attempts,
        next_attempt_at=retry_at,
        last_status_code=failure.status,
        last_error=str(failure)[:ERROR_MAX],
    )
    log.warning("delivery %s %s → %s: %s (attempt %s): %s", delivery.pk, delivery.channel,
                delivery.target, state, attempts, failure)  # fmt: skip
    return Attempt(delivery.pk, state, ran=True, retry_at=retry_at)


def _send(delivery: Delivery, now: dt.datetime) -> int | None:
    """Send it; returns the HTTP status (None for e-mail). Raises SendFailed."""
    if delivery.channel == Channel.EMAIL:
        _send_email(delivery)
        return None
    if delivery.channel in {Channel.SLACK, Channel.TEAMS}:
        return _post(delivery.target, body_bytes(delivery.payload), {})
    if delivery.channel == Channel.WEBHOOK:
        endpoint = delivery.endpoint
        if endpoint is None or not endpoint.active:
            raise SendFailed("the endpoint was deactivated")
        body = body_bytes(delivery.payload)
        headers = signed_headers(
            secret=endpoint.secret,
            msg_id=delivery.event_id,
            timestamp=int(now.timestamp()),
            body=body,
        )
        return _post(endpoint.url, body, headers)
    raise SendFailed(f"nothing sends the {delivery.channel} channel")


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    try:
        return post_json(url, body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT)
    except PostFailed as error:
        raise SendFailed(str(error), status=error.status) from error


def _send_email(delivery: Delivery) -> None:
    payload = delivery.payload
    message = EmailMultiAlternatives(
        str(payload.get("subject", "")), str(payload.get("body", "")), to=[delivery.target]
    )
    if payload.get("html"):  # a digest: plain text and a simple HTML alternative
        message.attach_alternative(str(payload["html"]), "text/html")
    try:
        mailers.default.send_messages([message])
    except (OSError, smtplib.SMTPException) as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from error
