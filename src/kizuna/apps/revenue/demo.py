"""The demo company's retention targets, loaded by ``apps/demo``."""

from __future__ import annotations

from kizuna.apps.revenue.models import RevenueTarget

#: The demo company's retention targets (segment "" = the whole company): monthly logo churn,
#: 12-month GRR and NRR, in the range Japanese B2B SaaS CS teams set themselves.
DEMO_TARGETS = {
    "": (0.010, 0.90, 1.05),
    "high": (0.003, 0.95, 1.15),
    "low": (0.008, 0.90, 1.05),
    "tech": (0.015, 0.85, 0.95),
}


def revenue_demo_load() -> None:
    for segment, (churn, grr, nrr) in DEMO_TARGETS.items():
        RevenueTarget.objects.update_or_create(
            segment=segment,
            defaults={"logo_churn_rate": churn, "grr_12m": grr, "nrr_12m": nrr},
        )
