"""The demo company's KPI targets, for this fiscal year and the last, set by the admin through
the same service as the targets page (audited). Last year's were a little softer; the company
follows seed 003's rule "annual churn ≤ 10 % before spending on growth"."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.kpis.services import kpi_target_save
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.calendar import fiscal_year

#: (KPI, cut, value) → (last year's target, this year's)
TARGETS: dict[tuple[str, str, str], tuple[float, float]] = {
    ("grr", "company", ""): (0.88, 0.90),
    ("nrr", "company", ""): (1.00, 1.05),
    ("logo_churn_monthly", "company", ""): (0.012, 0.009),
    ("logo_churn_annual", "company", ""): (0.13, 0.10),
    ("coverage", "company", ""): (0.80, 0.85),
    ("onboarding_completion", "company", ""): (0.75, 0.80),
    ("nps", "company", ""): (10.0, 20.0),
    ("renewal_rate", "company", ""): (0.88, 0.90),
    ("csql_count", "company", ""): (150.0, 200.0),
    ("grr", "segment", "high"): (0.92, 0.94),
    ("grr", "segment", "low"): (0.88, 0.90),
    ("grr", "segment", "tech"): (0.82, 0.85),
    ("logo_churn_annual", "segment", "tech"): (0.20, 0.18),
    ("nps", "segment", "high"): (20.0, 30.0),
    ("renewal_rate", "segment", "high"): (0.92, 0.95),
}


def kpis_demo_load(*, as_of: dt.date, admin: User) -> int:
    """Set the demo's targets (see ``TARGETS``); returns how many."""
    year = fiscal_year(as_of, tenant_settings_get().fiscal_year_start_month)
    count = 0
    for (kpi, cut, value), (last_year, this_year) in TARGETS.items():
        for fy, target in ((year - 1, last_year), (year, this_year)):
            kpi_target_save(
                actor=admin, fiscal_year=fy, kpi=kpi, cut=cut, value=value, target=target,
                via="demo",
            )  # fmt: skip
            count += 1
    return count
