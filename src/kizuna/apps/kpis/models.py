"""KPI targets per fiscal year and cut, and the KPI snapshots the KPI home reads.

``KpiTarget``: what CS ops set (admins edit, audited). A target is for one fiscal year (named by
the calendar year it starts in, ``TenantSettings.fiscal_year_start_month``) and one cut: the
whole company (``cut`` "company", ``value`` ""), a segment (its code), a team (its code) or a
CSM (the username). Rates are fractions, the NPS a score, the CSQL count a whole number.

``KpiSnapshot``: each KPI's value per cut and period, written by the daily job
``kpis.refresh_snapshots`` from the app that owns the KPI (docs/kpi-home.md); the home and the
API read only these rows. ``numerator`` / ``denominator`` are the counts behind a value (the
denominator weighs a cut when the home picks the one that drags).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kizuna.core.kpis.catalog import KPI_BY_KEY, shown


class CutKind(models.TextChoices):
    COMPANY = "company", _("Whole company")
    SEGMENT = "segment", _("Segment")
    TEAM = "team", _("Team")
    CSM = "csm", _("CSM")


class KpiKey(models.TextChoices):
    GRR = "grr", _("GRR (12 months)")
    NRR = "nrr", _("NRR (12 months)")
    LOGO_CHURN_MONTHLY = "logo_churn_monthly", _("Logo churn (monthly)")
    LOGO_CHURN_ANNUAL = "logo_churn_annual", _("Logo churn (annual)")
    COVERAGE = "coverage", _("Coverage rate")
    ONBOARDING_COMPLETION = "onboarding_completion", _("Onboarding completion")
    NPS = "nps", _("NPS")
    RENEWAL_RATE = "renewal_rate", _("Renewal rate (amount)")
    CSQL_COUNT = "csql_count", _("CSQLs raised")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    FISCAL_YEAR = "fiscal_year", _("Fiscal year")


class KpiTarget(models.Model):
    """One KPI's target for one fiscal year and cut."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    cut = models.CharField(_("cut"), max_length=8, choices=CutKind.choices)
    value = models.CharField(_("cut value"), max_length=150, blank=True)
    kpi = models.CharField(_("KPI"), max_length=32, choices=KpiKey.choices)
    target = models.FloatField(_("target"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["fiscal_year", "kpi", "cut", "value"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "cut", "value", "kpi"], name="kpi_target_once"
            )
        ]

    def __str__(self) -> str:
        return f"FY{self.fiscal_year} {self.kpi} {self.cut}={self.value}: {self.target}"

    @property
    def target_text(self) -> str:
        """The target as the pages write it (90.0%, +30.0, 40)."""
        return shown(KPI_BY_KEY[self.kpi], self.target) if self.kpi in KPI_BY_KEY else ""


class KpiSnapshot(models.Model):
    """One KPI's value for one cut and period: a calendar month (``period_start`` its first day)
    or a fiscal year (its first day), as known on ``as_of``."""

    kpi = models.CharField(_("KPI"), max_length=32, choices=KpiKey.choices)
    period = models.CharField(_("period"), max_length=12, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    cut = models.CharField(_("cut"), max_length=8, choices=CutKind.choices)
    value = models.CharField(_("cut value"), max_length=150, blank=True)
    figure = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["kpi", "period", "period_start", "cut", "value"]
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period", "period_start", "cut", "value"],
                name="kpi_snapshot_once",
            )
        ]
        indexes = [models.Index(fields=["period", "period_start"])]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period} {self.period_start} {self.cut}={self.value}"
