"""The daily health job."""

from __future__ import annotations

import datetime as dt


def refresh_scores(day: dt.date) -> str:
    """Score every active account for ``day`` (replacing that day's scores only)."""
    from kizuna.apps.health.services import health_scores_refresh, score_models_ensure_defaults

    score_models_ensure_defaults()
    return f"health scores for {health_scores_refresh(day=day)} accounts"
