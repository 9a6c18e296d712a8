"""Churn reasons (解約理由): the taxonomy as data, and one reason per churn event.

A churn event (a whole account churned, or one line cancelled) is found in the subscription
lines (``core.churn_reasons.churn_events``) and kept as a ``ChurnReason`` row without a
category, "reason missing", until the account's owner or their manager records one. Its lost
MRR and the split by product (``ChurnLoss``) are derived from the lines, never typed.
Recording and editing are audited (``audit.AuditEvent``), which keeps the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

#: the longest note a reason keeps
NOTE_MAX = 4000


class ChurnReasonCategory(models.Model):
    """One category of the taxonomy (price, product fit, …), edited by CS ops admins."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("offered"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("churn reason category")
        verbose_name_plural = _("churn reason categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ja").startswith("en") else self.name_ja


class ChurnReason(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="churn_reasons",
    )
    line = models.ForeignKey(
        "customers.SubscriptionLine",
        verbose_name=_("subscription line"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the whole account churned."),
    )
    churned_on = models.DateField(_("churned on"))
    segment = models.CharField(_("touch model at the time"), max_length=16, blank=True)
    lost_mrr = models.BigIntegerField(_("lost MRR"), default=0, editable=False)
    category = models.ForeignKey(
        ChurnReasonCategory,
        verbose_name=_("reason"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reasons",
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    detected_at = models.DateTimeField(_("detected at"))

    class Meta:
        ordering = ["-churned_on", "-id"]
        verbose_name = _("churn reason")
        verbose_name_plural = _("churn reasons")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "line", "churned_on"],
                condition=Q(line__isnull=False),
                name="churnreasons_one_per_line_event",
            ),
            models.UniqueConstraint(
                fields=["account", "churned_on"],
                condition=Q(line__isnull=True),
                name="churnreasons_one_per_account_event",
            ),
            models.CheckConstraint(
                condition=Q(category__isnull=True) | Q(recorded_at__isnull=False),
                name="churnreasons_recorded_has_a_time",
            ),
        ]
        indexes = [
            models.Index(fields=["category", "churned_on"]),
            models.Index(fields=["churned_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.churned_on:%Y-%m-%d}"

    @property
    def is_missing(self) -> bool:
        return self.category_id is None


class ChurnLoss(models.Model):
    """The lost MRR of one product in a churn event (derived from the lines)."""

    reason = models.ForeignKey(
        ChurnReason, verbose_name=_("churn reason"), on_delete=models.CASCADE, related_name="losses"
    )
    product = models.ForeignKey(
        "customers.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    mrr = models.BigIntegerField(_("lost MRR"))

    class Meta:
        ordering = ["reason", "product"]
        verbose_name = _("lost MRR by product")
        verbose_name_plural = _("lost MRR by product")
        constraints = [
            models.UniqueConstraint(fields=["reason", "product"], name="churnreasons_one_loss")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.mrr}"
