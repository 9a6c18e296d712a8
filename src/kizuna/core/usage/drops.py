"""Sudden usage drops, per account, from a daily series (events or active users).

Two detectors, thresholds as data (``DropRule``):

- **share of baseline** (``method="share"``): ``recent`` = Σ usage over ``as_of − 6 … as_of``;
  ``baseline`` = Σ usage over the previous 28 days (``as_of − 34 … as_of − 7``) / 4, a weekly
  average; a drop when ``baseline ≥ min_baseline`` and ``recent < share × baseline``
  (default share 0.5). ``value`` = recent / baseline. No baseline (0) → no signal, because a
  ratio to nothing measures nothing.
- **robust z-score** (``method="robust_z"``): the weekly sums of the ``weeks`` weeks before the
  recent one (week k = ``as_of − 7k − 6 … as_of − 7k``, k = 1…weeks); median m, MAD =
  median(|x − m|); ``value`` = 0.6745 × (recent − m) / MAD; a drop when
  ``value ≤ −z_threshold`` (default 3.5, the usual outlier cut for the modified z-score) and
  ``m ≥ min_baseline``. MAD = 0 (a perfectly regular history) → undefined → no signal.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kizuna.core.usage.trend import window_sum

MAD_SCALE = 0.6745


@dataclass(frozen=True)
class DropRule:
    share: float = 0.5
    z_threshold: float = 3.5
    weeks: int = 8
    min_baseline: float = 1.0


@dataclass(frozen=True)
class DropSignal:
    method: str  # "share" | "robust_z"
    as_of: dt.date
    recent: int
    baseline: float  # weekly average (share) or weekly median (robust_z)
    value: float  # recent / baseline, or the robust z-score
    threshold: float  # share or −z_threshold


def share_drop(
    series: Mapping[dt.date, int], *, as_of: dt.date, rule: DropRule = DropRule()
) -> DropSignal | None:
    return share_drop_weekly(weekly_sums(series, as_of=as_of, weeks=4), as_of=as_of, rule=rule)


def robust_z_drop(
    series: Mapping[dt.date, int], *, as_of: dt.date, rule: DropRule = DropRule()
) -> DropSignal | None:
    weeks = weekly_sums(series, as_of=as_of, weeks=rule.weeks)
    return robust_z_drop_weekly(weeks, as_of=as_of, rule=rule)


def weekly_sums(series: Mapping[dt.date, int], *, as_of: dt.date, weeks: int) -> list[int]:
    """Σ usage of week k = ``as_of − 7k − 6 … as_of − 7k`` for k = 0 (the recent week) …
    ``weeks``; weeks before ``dt.date.min`` count 0."""
    return [
        window_sum(series, last_day=as_of - dt.timedelta(days=7 * k), days=7)
        if (as_of - dt.date.min).days >= 7 * k
        else 0
        for k in range(weeks + 1)
    ]


def _padded(weeks: Sequence[int], count: int) -> list[int]:
    """The first ``count`` weeks of ``weeks`` (``weekly_sums``); weeks beyond it count 0."""
    return [*weeks[:count], *([0] * (count - len(weeks)))]


def share_drop_weekly(
    weeks: Sequence[int], *, as_of: dt.date, rule: DropRule = DropRule()
) -> DropSignal | None:
    """``share_drop`` from the weekly sums (``weekly_sums``; missing weeks count 0)."""
    recent, *before = _padded(weeks, 5)
    baseline = sum(before) / 4
    if baseline <= 0 or baseline < rule.min_baseline or recent >= rule.share * baseline:
        return None
    return DropSignal("share", as_of, recent, baseline, recent / baseline, rule.share)


def robust_z_drop_weekly(
    weeks: Sequence[int], *, as_of: dt.date, rule: DropRule = DropRule()
) -> DropSignal | None:
    """``robust_z_drop`` from the weekly sums (``weekly_sums``; missing weeks count 0)."""
    recent, *history = _padded(weeks, rule.weeks + 1)
    if not history:
        return None
    median = statistics.median(history)
    if median < rule.min_baseline or (rule.z_threshold > 0 and recent >= median):
        return None  # the second: a score ≥ 0 is above any negative threshold
    mad = statistics.median(abs(week - median) for week in history)
    if mad == 0:
        return None
    score = MAD_SCALE * (recent - median) / mad
    if score > -rule.z_threshold:
        return None
    return DropSignal("robust_z", as_of, recent, float(median), score, -rule.z_threshold)


def detect_drops(
    series: Mapping[dt.date, int], *, as_of: dt.date, rule: DropRule = DropRule()
) -> list[DropSignal]:
    """Every detector's signal for one account (empty when usage is normal)."""
    weeks = weekly_sums(series, as_of=as_of, weeks=max(rule.weeks, 4))
    return detect_drops_weekly(weeks, as_of=as_of, rule=rule)


def detect_drops_weekly(
    weeks: Sequence[int], *, as_of: dt.date, rule: DropRule = DropRule()
) -> list[DropSignal]:
    """``detect_drops`` from the weekly sums (``weekly_sums``; missing weeks count 0): what the
    daily job runs on the sums the summary SQL returns."""
    found = (
        share_drop_weekly(weeks, as_of=as_of, rule=rule),
        robust_z_drop_weekly(weeks, as_of=as_of, rule=rule),
    )
    return [signal for signal in found if signal is not None]


def drop_candidates(weeks: np.ndarray, *, rule: DropRule = DropRule()) -> np.ndarray:
    """For each row of ``weeks`` (one account's weekly sums, week 0, the recent one, first: the
    columns of the summary SQL), whether ``detect_drops_weekly`` *may* give a signal: false
    only where it surely gives none. The daily job runs the exact detectors on the candidates
    only (a few accounts in a hundred).

    Both detectors' conditions are evaluated over the whole array with the same arithmetic
    (medians of integers are exact, as in ``statistics.median``) and a margin (1 event, 1e-6 of
    the score), so rounding can only add candidates, never lose a signal. A rule outside the
    usual ranges (no history, a threshold ≤ 0, a value that is not finite) makes every
    account a candidate."""
    count = weeks.shape[0]
    finite = all(math.isfinite(v) for v in (rule.share, rule.z_threshold, rule.min_baseline))
    if not finite or rule.weeks < 1 or rule.z_threshold <= 0:
        return np.ones(count, dtype=bool)
    width = max(5, rule.weeks + 1)
    padded = np.zeros((count, width), dtype=np.int64)
    padded[:, : min(width, weeks.shape[1])] = weeks[:, :width]
    recent = padded[:, 0].astype(np.float64)
    baseline = padded[:, 1:5].sum(axis=1) / 4
    share = (
        (baseline > 0) & (baseline + 1 >= rule.min_baseline) & (recent < rule.share * baseline + 1)
    )
    history = padded[:, 1 : rule.weeks + 1]
    median = _row_medians(history)
    mad = _row_medians(np.abs(history - median[:, None]))
    score = MAD_SCALE * (recent - median) / np.where(mad > 0, mad, 1.0)
    robust = (
        (recent < median + 1)
        & (median + 1 >= rule.min_baseline)
        & (mad > 0)
        & (score <= -rule.z_threshold + 1e-6)
    )
    result: np.ndarray = share | robust
    return result


def _row_medians(values: np.ndarray) -> np.ndarray:
    """The median of each row, as ``statistics.median``: the middle value, or the mean of the
    two middle ones."""
    ordered = np.sort(values, axis=1)
    middle = ordered.shape[1] // 2
    if ordered.shape[1] % 2:
        odd: np.ndarray = ordered[:, middle].astype(np.float64)
        return odd
    even: np.ndarray = (ordered[:, middle - 1] + ordered[:, middle]) / 2
    return even
