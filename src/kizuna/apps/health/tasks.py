"""The daily health job."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.health.services import (
    health_scores_refresh,
    health_scores_rescore_marked,
    score_models_ensure_defaults,
)


def refresh_scores(day: dt.date) -> str:
    """Score every active account for ``day`` (replacing that day's scores only)."""
    score_models_ensure_defaults()
    return f"health scores for {health_scores_refresh(day=day)} accounts"


def rescore_marked(day: dt.date) -> int:
    """The worker's minute loop: rescore the accounts whose inputs changed (a touchpoint
    logged, edited, deleted or imported, a sentiment recorded) since their score of ``day``.
    Returns how many were rescored."""
    return health_scores_rescore_marked(today=day)
