"""Feedback (顧客の声) and feature requests (機能要望), routed per product to its owner
(docs/feedback.md).

A ``Feedback`` is what one account said, logged from a touchpoint, the account page or the
API; it may name the contact who said it, the touchpoint it was heard in and the feature
request it asks for. A ``FeatureRequest`` belongs to one product and moves new → planned →
shipped | declined (``core.feedback.MOVES``); each move is kept in ``FeatureRequestChange``.
Its weight (requesting accounts, their current MRR) is computed when read
(``core.feedback.request_weights``), never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.core import feedback as core

#: the longest feedback text, title and description kept
MAX_TEXT = 4000
MAX_TITLE = 200


class RequestStatus(models.TextChoices):
    NEW = core.NEW, _("New")
    PLANNED = core.PLANNED, _("Planned")
    SHIPPED = core.SHIPPED, _("Shipped")
    DECLINED = core.DECLINED, _("Declined")


class FeedbackSource(models.TextChoices):
    TOUCHPOINT = "touchpoint", _("Touchpoint")
    ACCOUNT_PAGE = "account_page", _("Account page")
    API = "api", _("API")


class FeatureRequest(models.Model):
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="feature_requests",
    )
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    description = models.TextField(_("description"), max_length=MAX_TEXT, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    decided_at = models.DateTimeField(
        _("decided at"),
        null=True,
        blank=True,
        help_text=_("When it was shipped or declined."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # set once, by the first move to shipped, in the same transaction as the notifications:
    # saving the request again never tells the requesters twice
    requesters_notified_at = models.DateTimeField(
        _("requesters notified at"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feature request")
        verbose_name_plural = _("feature requests")
        indexes = [models.Index(fields=["product", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "planned"]) | Q(decided_at__isnull=False),
                name="feedback_decided_request_has_a_time",
            )
        ]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def is_final(self) -> bool:
        return self.status in core.FINAL_STATUSES


class FeatureRequestChange(models.Model):
    """One status move of a feature request: the history its page shows."""

    feature_request = models.ForeignKey(
        FeatureRequest,
        verbose_name=_("feature request"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    from_status = models.CharField(
        _("from"), max_length=12, choices=RequestStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=RequestStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["feature_request", "changed_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class Feedback(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint",
        verbose_name=_("touchpoint"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The feature request's product when it names one."),
    )
    feature_request = models.ForeignKey(
        FeatureRequest,
        verbose_name=_("feature request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    text = models.TextField(_("feedback"), max_length=MAX_TEXT)
    source = models.CharField(_("logged from"), max_length=16, choices=FeedbackSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [
            models.Index(fields=["account", "-created_at"]),
            models.Index(fields=["feature_request", "account"]),
            models.Index(fields=["product", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.text[:40]}"
