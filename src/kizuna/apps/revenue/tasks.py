"""The revenue app's daily job (registered in ``kizuna.apps.jobs.registry``)."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.revenue.services import revenue_snapshots_refresh


def refresh_snapshots(day: dt.date) -> str:
    """Bring the monthly revenue snapshots up to ``day``'s month; one line for the job log."""
    return revenue_snapshots_refresh(as_of=day).message
