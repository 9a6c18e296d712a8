"""Coordinates for the backtest report's inline SVG charts."""

from __future__ import annotations

from typing import Any

from kizuna.core.health.backtest import BacktestResult

SIZE = 240


def roc(result: BacktestResult) -> str:
    """The ROC curve as SVG polyline points in a SIZE × SIZE box (y grows downwards)."""
    if not result.roc:
        return ""
    step = max(1, len(result.roc) // 400)
    kept = [*result.roc[::step], result.roc[-1]]
    return " ".join(f"{SIZE * fpr:.1f},{SIZE * (1 - tpr):.1f}" for fpr, tpr in kept)


def grade_bars(result: BacktestResult) -> list[dict[str, Any]]:
    top = max((g.rate or 0 for g in result.by_grade), default=0) or 1
    return [
        {
            "grade": g.grade,
            "rows": g.rows,
            "positives": g.positives,
            "rate": g.rate,
            "x": 20 + (g.grade - 1) * 60,
            "h": round(150 * (g.rate or 0) / top, 1),
            "y": round(170 - 150 * (g.rate or 0) / top, 1),
        }
        for g in result.by_grade
    ]


def lead_histogram(result: BacktestResult, *, bucket_days: int = 30) -> list[dict[str, Any]]:
    """Churned accounts by how long before their churn the score turned red (and stayed).

    Seven bars 44 wide, 53 units apart, in a 408-unit-wide box (the template's viewBox), so that
    the widest label ("120–149") stays clear of its neighbours; 44 units on the left for the
    count axis."""
    buckets = [0] * 7  # 0–29, 30–59, … 180+
    for days in result.lead_days:
        buckets[min(6, days // bucket_days)] += 1
    top = max(buckets) or 1
    labels = [f"{i * bucket_days}–{(i + 1) * bucket_days - 1}" for i in range(6)] + [
        f"{6 * bucket_days}+"
    ]
    return [
        {
            "label": label,
            "n": n,
            "x": 44 + i * 53,
            "h": round(130 * n / top, 1),
            "y": round(150 - 130 * n / top, 1),
        }
        for i, (label, n) in enumerate(zip(labels, buckets, strict=True))
    ]
