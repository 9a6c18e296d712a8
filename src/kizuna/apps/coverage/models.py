"""Coverage snapshots, filled by the daily job; the dashboard reads only these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Segment


class Scope(models.TextChoices):
    SEGMENT = "segment", _("Whole company")
    TEAM = "team", _("Team")
    CSM = "csm", _("CSM")


class CoverageSnapshot(models.Model):
    """Coverage of one segment as of one day: company-wide (no team, no CSM), for one team,
    or for one CSM's accounts."""

    as_of = models.DateField(_("as of"))
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    segment = models.CharField(_("touch model"), max_length=16, choices=Segment.choices)
    team = models.ForeignKey(
        "org.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    covered = models.PositiveIntegerField(_("covered"))
    total = models.PositiveIntegerField(_("accounts"))
    rate = models.FloatField(_("coverage rate"), null=True, blank=True)
    target = models.FloatField(_("target"))
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["as_of", "segment"]
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")
        indexes = [models.Index(fields=["as_of", "scope", "segment"])]

    def __str__(self) -> str:
        return f"{self.as_of} {self.segment} {self.covered}/{self.total}"
