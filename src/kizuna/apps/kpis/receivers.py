"""The other half of the target mirror (``services`` module docstring): a target changed on the
revenue dashboard or in a segment's coverage policy changes the current fiscal year's KPI target
of the same cut, when one is set, so the KPI home never shows another target."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from kizuna.apps.kpis.models import CutKind, KpiTarget
from kizuna.apps.kpis.services import REVENUE_TARGET_FIELDS, current_fiscal_year
from kizuna.apps.revenue.models import RevenueTarget
from kizuna.apps.segments.models import CoveragePolicy


@receiver(post_save, sender=RevenueTarget, dispatch_uid="kpis-revenue-target")
def revenue_target_saved(sender: Any, instance: RevenueTarget, **kwargs: Any) -> None:
    year = current_fiscal_year()
    cut = CutKind.SEGMENT if instance.segment else CutKind.COMPANY
    for kpi, field in REVENUE_TARGET_FIELDS.items():
        target = getattr(instance, field)
        rows = KpiTarget.objects.filter(fiscal_year=year, cut=cut, value=instance.segment, kpi=kpi)
        if target is None:
            continue  # a blank revenue target leaves the KPI target as it is
        rows.exclude(target=target).update(target=target)


@receiver(post_save, sender=CoveragePolicy, dispatch_uid="kpis-coverage-policy")
def coverage_policy_saved(sender: Any, instance: CoveragePolicy, **kwargs: Any) -> None:
    KpiTarget.objects.filter(
        fiscal_year=current_fiscal_year(),
        cut=CutKind.SEGMENT,
        value=instance.segment,
        kpi="coverage",
    ).exclude(target=float(instance.target)).update(target=float(instance.target))
