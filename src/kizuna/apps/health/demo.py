"""The demo's health scores: the default models, and scores for the past twelve weeks, so the
account page has a trend and a "since last week" from the first login."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.health.services import health_scores_refresh_days, score_models_ensure_defaults


def health_demo_load(*, as_of: dt.date) -> int:
    score_models_ensure_defaults()
    days = {as_of - dt.timedelta(days=7 * n) for n in range(13)} | {as_of - dt.timedelta(days=1)}
    return health_scores_refresh_days(days=sorted(days))
