"""Who owns which account, and every change of it: auto-assignment runs, manual
reassignments (with a reason) and hand-offs from onboarding to adoption (with a note)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeSource(models.TextChoices):
    AUTO = "auto", _("Auto-assignment")
    MANUAL = "manual", _("Manual reassignment")
    HANDOFF = "handoff", _("Hand-off")


class AssignmentChange(models.Model):
    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="assignment_changes"
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_team = models.ForeignKey(
        "org.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_team = models.ForeignKey(
        "org.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=ChangeSource.choices)
    reason = models.TextField(_("reason or hand-off note"), max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("assignment change")
        verbose_name_plural = _("assignment changes")
        indexes = [models.Index(fields=["account", "-at"])]

    def __str__(self) -> str:
        return f"{self.account}: {self.from_owner} → {self.to_owner} ({self.source})"
