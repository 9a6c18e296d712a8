"""Touchpoints (接点): logged contacts between the CS team and an account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TouchpointKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    ONSITE = "onsite", _("On-site visit")
    WEBINAR = "webinar", _("Webinar (1:N)")
    OTHER = "other", _("Other")
    NOTE = "note", _("Internal note")


class Touchpoint(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="touchpoints",
    )
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("CSM"),
        on_delete=models.PROTECT,
        related_name="touchpoints",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TouchpointKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    contacts = models.ManyToManyField(
        "customers.Contact", verbose_name=_("contacts met"), blank=True, related_name="touchpoints"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        indexes = [
            models.Index(fields=["account", "-occurred_at"]),
            models.Index(fields=["csm", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"
