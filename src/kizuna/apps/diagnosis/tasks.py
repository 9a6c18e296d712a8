"""The diagnosis's daily job (``SCHEDULE``, run by ``kizuna.apps.jobs``): the organisation
diagnosed as of the day, stored as that day's run (docs/diagnosis.md)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from kizuna.apps.diagnosis.services import diagnosis_run
from kizuna.core.schedule import daily


@task
def diagnose(day: str) -> str:
    """Diagnose as of ``day`` (ISO); the report says the phase, the level and what failed."""
    run = diagnosis_run(day=dt.date.fromisoformat(day))
    failed = f", evidence not read: {', '.join(sorted(run.errors))}" if run.errors else ""
    return f"phase {run.phase}, level {run.level}{failed}"


# after every daily job whose results it reads
SCHEDULE = (
    daily(
        "diagnosis.diagnose",
        diagnose,
        after=(
            "coverage.refresh_snapshots",
            "onboarding.evaluate",
            "renewals.refresh",
            "revenue.refresh_snapshots",
            "health.refresh_scores",
            "rules.evaluate",
        ),
    ),
)
