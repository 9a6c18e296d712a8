"""The demo's health scores: the default models, and scores for the past twelve weeks, so the
account page has a trend and a "since last week" from the first login."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.health.services import health_scores_refresh_days, score_models_ensure_defaults


def health_demo_load(*, as_of: dt.date, large: bool = False) -> int:
    """Scores for the last twelve weeks (a large load-test demo: a week ago and today)."""
    score_models_ensure_defaults()
    weeks = 2 if large else 13
    days = {as_of - dt.timedelta(days=7 * n) for n in range(weeks)} | {as_of - dt.timedelta(days=1)}
    return health_scores_refresh_days(days=sorted(days))
