"""The demo's health scores: the default models, and scores for the past twelve weeks, so the
account page has a trend and a "since last week" from the first login."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.health.models import HealthScore
from kizuna.apps.health.services import health_scores_refresh_days, score_models_ensure_defaults
from kizuna.apps.usage.models import UsageDay


def _recent_days(as_of: dt.date, large: bool) -> list[dt.date]:
    weeks = 2 if large else 13
    days = {as_of - dt.timedelta(days=7 * n) for n in range(weeks)} | {as_of - dt.timedelta(days=1)}
    return sorted(days)


def health_demo_load(*, as_of: dt.date, large: bool = False) -> int:
    """Scores for the last twelve weeks (a large load-test demo: a week ago and today)."""
    score_models_ensure_defaults()
    return health_scores_refresh_days(days=_recent_days(as_of, large))


def health_demo_rescore(*, as_of: dt.date, account_ids: list[int], large: bool = False) -> int:
    """The recent scores of ``account_ids`` again (the accounts whose survey answers the demo
    added after they were scored)."""
    if not account_ids:
        return 0
    return health_scores_refresh_days(days=_recent_days(as_of, large), account_ids=account_ids)


def grade_history() -> dict[int, list[tuple[dt.date, int]]]:
    """Every account's (day, grade) scores, oldest first (what the demo's answers follow),
    from the first day of usage on: a score of the back-fill before the demo's usage history
    began reads no usage and says little of the account."""
    history: dict[int, list[tuple[dt.date, int]]] = {}
    rows = HealthScore.objects.filter(grade__isnull=False).order_by("account_id", "day")
    first_usage = UsageDay.objects.order_by("day").values_list("day", flat=True).first()
    if first_usage is not None:
        rows = rows.filter(day__gte=first_usage)
    for account_id, day, grade in rows.values_list("account_id", "day", "grade"):
        if grade is not None:
            history.setdefault(account_id, []).append((day, grade))
    return history
