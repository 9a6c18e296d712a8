"""Notifications and their deliveries.

- ``Notification``: what a member sees in the app (the bell and ``/notifications/``);
- ``NotificationPreference``: a member's channels (e-mail, Slack, Teams), immediate or digest,
  and quiet hours in the company's time zone;
- ``WebhookEndpoint``: where outbound webhooks go (admins keep them), with the events each
  subscribes to and its signing secret;
- ``Delivery``: one message to one place (an e-mail, a Slack or Teams post, a webhook
  request): its own row and its own queued task. Its ``state`` is the truth: a delivery is
  sent at most once however often its task runs (``notify.sending``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Notification(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.MEDIUM
    )
    account = models.ForeignKey(
        "customers.Account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    #: shown in the app only, its messages held for the morning digest (a rule's alert past
    #: the weekly budget, or a rule that says "in the digest"): it interrupts nobody
    held_for_digest = models.BooleanField(_("held for the morning digest"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["member", "read_at"], name="notify_member_unread")]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def safe_link(self) -> str:
        """The link when it is a path of this site or an http(s) URL; "" otherwise (a
        ``javascript:`` link or a protocol-relative ``//host`` is never shown)."""
        link = str(self.link)
        if link.startswith("/") and not link.startswith("//"):
            return link
        return link if link.lower().startswith(("https://", "http://")) else ""


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("In a digest")


class NotificationPreference(models.Model):
    """A member's channels. Without a row, the defaults: in-app and e-mail, immediately, no
    quiet hours (``notify.selectors.preference_for``)."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("member"),
    )
    email = models.BooleanField(_("e-mail"), default=True)
    slack = models.BooleanField(_("Slack"), default=False)
    slack_webhook_url = models.URLField(_("Slack incoming-webhook URL"), max_length=500, blank=True)
    teams = models.BooleanField(_("Microsoft Teams"), default=False)
    teams_webhook_url = models.URLField(_("Teams incoming-webhook URL"), max_length=500, blank=True)
    mode = models.CharField(_("when"), max_length=16, choices=Mode.choices, default=Mode.IMMEDIATE)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    digest = models.BooleanField(_("morning digest"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.member)


class WebhookEndpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100)
    event_types = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-active", "url", "pk"]

    def __str__(self) -> str:
        return str(self.url)


class Channel(models.TextChoices):
    INAPP = "inapp", _("In the app")
    EMAIL = "email", _("E-mail")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Gave up")


#: How much of an error message a delivery keeps.
ERROR_MAX = 500


class Delivery(models.Model):
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    target = models.CharField(_("target"), max_length=500)
    event_type = models.CharField(_("event"), max_length=64)
    event_id = models.CharField(_("event id"), max_length=64, db_index=True)
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(
        _("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=ERROR_MAX, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays"
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_delivery_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | models.Q(endpoint__isnull=False),
                name="notify_delivery_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.event_type} → {self.shown_target}"

    @property
    def shown_target(self) -> str:
        """The target as the ops page and the API show it: a member's Slack or Teams webhook
        URL is a credential (whoever has it posts into the channel), so only its host is
        shown (``https://hooks.slack.com/…``); e-mail addresses and endpoint URLs in full."""
        target = str(self.target)
        if self.channel in {Channel.SLACK, Channel.TEAMS}:
            parts = urlsplit(target)
            return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else "…"
        return target
