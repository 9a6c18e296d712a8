"""Monthly revenue snapshots (MRR, movements, churn, GRR/NRR, LTV, cohorts) and their targets.

The snapshot tables are filled by ``services.revenue_snapshots_refresh`` (the daily job
"revenue.refresh_snapshots") from the pure core ``kizuna.core.revenue``; pages and the API read
only these tables. Definitions of every figure: ``docs/metrics.md``.

A row's cut is ``(dimension, value)``: ``("", "")`` is the whole company; otherwise the dimension
is ``segment``, ``product``, ``channel`` or ``team`` and the value is the segment, product code,
channel or team code ("" = lines without one, e.g. accounts with no team). Segment, channel and
team are the account's CURRENT values: an account that moved segment counts in its new segment
for its whole history (the segment history arrives with another issue).

Money is integer minor units of the company currency; ARPA and LTV are rounded to the nearest
minor unit. Rates are fractions (0.05 = 5 %) and NULL where undefined (zero denominator).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    COMPANY = "", _("Whole company")
    SEGMENT = "segment", _("Segment")
    PRODUCT = "product", _("Product")
    CHANNEL = "channel", _("Channel")
    TEAM = "team", _("Team")


def _money(label: Any) -> models.BigIntegerField[int, int]:
    return models.BigIntegerField(label, default=0)


def _count(label: Any) -> models.IntegerField[int, int]:
    return models.IntegerField(label, default=0)


def _rate(label: Any) -> models.FloatField[float | None, float | None]:
    return models.FloatField(label, null=True, blank=True)


class RevenueSnapshot(models.Model):
    """The monthly summary of one cut (see the module docstring) for one month (its 1st day)."""

    month = models.DateField(_("month"))
    dimension = models.CharField(
        _("dimension"), max_length=16, choices=Dimension.choices, blank=True
    )
    value = models.CharField(_("value"), max_length=64, blank=True)
    total_mrr = _money(_("MRR"))
    active_customers = _count(_("active accounts"))
    start_mrr = _money(_("MRR at the end of the previous month"))
    start_customers = _count(_("active accounts at the end of the previous month"))
    new_mrr = _money(_("new MRR"))
    expansion_mrr = _money(_("expansion MRR"))
    reactivation_mrr = _money(_("reactivation MRR"))
    contraction_mrr = _money(_("contraction MRR"))
    churn_mrr = _money(_("churned MRR"))
    new_customers = _count(_("new accounts"))
    expansion_customers = _count(_("expanded accounts"))
    reactivated_customers = _count(_("reactivated accounts"))
    contraction_customers = _count(_("contracted accounts"))
    churned_customers = _count(_("churned accounts"))
    net_new_mrr = models.BigIntegerField(_("net new MRR"), default=0)
    logo_churn_rate = _rate(_("logo churn rate"))
    gross_mrr_churn_rate = _rate(_("gross MRR churn rate"))
    net_mrr_churn_rate = _rate(_("net MRR churn rate"))
    grr_3m = _rate(_("GRR (3 months)"))
    nrr_3m = _rate(_("NRR (3 months)"))
    grr_12m = _rate(_("GRR (12 months)"))
    nrr_12m = _rate(_("NRR (12 months)"))
    arpa = models.BigIntegerField(_("ARPA"), null=True, blank=True)
    ltv = models.BigIntegerField(_("LTV"), null=True, blank=True)

    class Meta:
        ordering = ["dimension", "value", "month"]
        verbose_name = _("revenue snapshot")
        verbose_name_plural = _("revenue snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "month"], name="revenue_snapshot_unique_cut_month"
            )
        ]
        indexes = [models.Index(fields=["month", "dimension"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension or '*'}={self.value}"


class CohortSnapshot(models.Model):
    """One cell of the cohort retention table of one cut: cohort × months since start."""

    cohort_month = models.DateField(_("cohort (first active month)"))
    months_since_start = models.PositiveSmallIntegerField(_("months since start"))
    month = models.DateField(_("month"), help_text=_("cohort month + months since start"))
    dimension = models.CharField(
        _("dimension"), max_length=16, choices=Dimension.choices, blank=True
    )
    value = models.CharField(_("value"), max_length=64, blank=True)
    cohort_customers = _count(_("accounts at start"))
    active_customers = _count(_("accounts retained"))
    cohort_start_mrr = _money(_("MRR at start"))
    mrr = _money(_("MRR"))
    logo_retention = _rate(_("logo retention"))
    revenue_retention = _rate(_("revenue retention"))
    gross_revenue_retention = _rate(_("gross revenue retention"))

    class Meta:
        ordering = ["dimension", "value", "cohort_month", "months_since_start"]
        verbose_name = _("cohort snapshot")
        verbose_name_plural = _("cohort snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "cohort_month", "months_since_start"],
                name="cohort_snapshot_unique_cell",
            )
        ]
        indexes = [models.Index(fields=["month", "dimension"])]

    def __str__(self) -> str:
        return f"{self.cohort_month:%Y-%m}+{self.months_since_start} {self.dimension}={self.value}"


class RevenueTarget(models.Model):
    """Retention targets of one segment ("" = the whole company), edited by CS ops admins.

    Rates are fractions: a monthly logo churn target of 0.01 means "at most 1 % a month".
    """

    segment = models.CharField(_("segment"), max_length=16, blank=True, unique=True)
    logo_churn_rate = _rate(_("monthly logo churn target"))
    grr_12m = _rate(_("GRR target (12 months)"))
    nrr_12m = _rate(_("NRR target (12 months)"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["segment"]
        verbose_name = _("revenue target")
        verbose_name_plural = _("revenue targets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grr_12m__isnull=True) | models.Q(grr_12m__gte=0, grr_12m__lte=1),
                name="revenue_target_grr_is_a_fraction",
            ),
            models.CheckConstraint(
                condition=models.Q(logo_churn_rate__isnull=True)
                | models.Q(logo_churn_rate__gte=0, logo_churn_rate__lte=1),
                name="revenue_target_churn_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return str(self.segment or "*")


class RevenueSnapshotState(models.Model):
    """The snapshot job's progress (one row, pk=1), so that a crashed run resumes.

    - ``last_month_done``: every month up to it has been written;
    - ``dirty_from``: months from it to ``last_month_done`` must be written again (lines changed);
    - ``lines_read_at``: when the lines of the last run were read; lines and accounts updated
      after it are "changed since the last run";
    - ``line_count``: how many lines that run read (fewer now, counting only lines created
      before ``lines_read_at``, means some were deleted).
    """

    last_month_done = models.DateField(_("last month done"), null=True, blank=True)
    dirty_from = models.DateField(_("dirty from month"), null=True, blank=True)
    lines_read_at = models.DateTimeField(_("lines read at"), null=True, blank=True)
    line_count = models.PositiveIntegerField(_("lines read"), default=0)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("revenue snapshot state")
        verbose_name_plural = _("revenue snapshot state")

    def __str__(self) -> str:
        return f"{self.last_month_done or '-'}"
