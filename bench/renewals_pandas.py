"""The pandas baselines of the renewals benchmark (not part of Kizuna: pandas is not a
dependency; ``bench/renewals_bench.py`` runs them side by side with Kizuna's code).

Written the straightforward way from the definitions (docs/renewals.md, docs/metrics.md):

- ``renewals``: every renewing line's term boundaries exploded (``np.repeat``), grouped by
  account and date (MRR due, products), MRR after = the MRR on the date of the account's lines
  of those products (a merge on account and product, filtered on the date);
- ``forecast``: the grade 90 days before each renewal (``merge_asof``), the calibration
  (group-bys, shrunk in a loop over the groups), this quarter's and the next quarter's
  forecast, and the backtest of the eight quarters before (a calibration and a ``merge_asof``
  per quarter).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

LEAD = pd.Timedelta(days=90)
TOLERANCE = pd.Timedelta(days=30)


def _add_months(start: pd.Series, months: np.ndarray) -> pd.Series:
    """``start`` + ``months`` months, the day clamped to the month's end."""
    total = start.dt.year.to_numpy() * 12 + start.dt.month.to_numpy() - 1 + months
    year, month = total // 12, total % 12 + 1
    first = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}))
    last = (first + pd.offsets.MonthEnd(0)).dt.day.to_numpy()
    day = np.minimum(start.dt.day.to_numpy(), last)
    return pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))


def renewals(lines: pd.DataFrame, *, today: dt.date, lead_days: int = 180) -> pd.DataFrame:
    """``lines``: line_id, account_id, product, start, end (NaT open), mrr, term (months).
    One row per renewal: account_id, date, mrr_due, mrr_after (NaN while to come)."""
    until = pd.Timestamp(today + dt.timedelta(days=lead_days))
    renewing = lines[(lines.term >= 12) & (lines.term <= 120)].copy()
    last = renewing.end.fillna(until).clip(upper=until)
    span = (last.dt.year - renewing.start.dt.year) * 12 + last.dt.month - renewing.start.dt.month
    count = np.maximum(span.to_numpy() // renewing.term.to_numpy(), 0)
    exploded = renewing.loc[renewing.index.repeat(count)].reset_index(drop=True)
    k = np.concatenate([np.arange(1, n + 1) for n in count]) if count.sum() else np.array([])
    exploded["date"] = _add_months(exploded.start, k.astype(int) * exploded.term.to_numpy())
    bound = exploded.end.fillna(until).clip(upper=until)
    exploded = exploded[exploded.date <= bound]
    due = exploded.groupby(["account_id", "date"], as_index=False).agg(mrr_due=("mrr", "sum"))
    pairs = exploded[["account_id", "date", "product"]].drop_duplicates()
    pairs = pairs[pairs.date <= pd.Timestamp(today)]
    after = pairs.merge(
        lines[["account_id", "product", "start", "end", "mrr"]], on=["account_id", "product"]
    )
    active = (after.start <= after.date) & (after.end.isna() | (after.date < after.end))
    after = (
        after[active].groupby(["account_id", "date"], as_index=False).agg(mrr_after=("mrr", "sum"))
    )
    found = due.merge(after, on=["account_id", "date"], how="left")
    past = found.date <= pd.Timestamp(today)
    found.loc[past, "mrr_after"] = found.loc[past, "mrr_after"].fillna(0)
    return found.sort_values(["account_id", "date"]).reset_index(drop=True)


def _grade_as_of(keys: pd.DataFrame, grades: pd.DataFrame, day_column: str) -> pd.Series:
    left = keys[["account_id", day_column]].reset_index()
    left[day_column] = left[day_column].astype("datetime64[ns]")
    left = left.sort_values(day_column)
    right = grades.assign(day=grades.day.astype("datetime64[ns]")).sort_values("day")
    joined = pd.merge_asof(
        left, right, left_on=day_column, right_on="day", by="account_id",
        tolerance=TOLERANCE, direction="backward",
    )  # fmt: skip
    return joined.set_index("index")["grade"].reindex(keys.index)


def _sums(frame: pd.DataFrame, by: list[str]) -> dict[Any, tuple[float, ...]]:
    renewed = frame.mrr_after > 0
    work = pd.DataFrame(
        {
            "n": 1,
            "renewed": renewed.astype(int),
            "due_renewed": np.where(renewed, frame.mrr_due, 0),
            "kept": np.where(renewed, np.minimum(frame.mrr_after, frame.mrr_due), 0),
            "expansion": np.where(renewed, np.maximum(frame.mrr_after - frame.mrr_due, 0), 0),
        },
        index=frame.index,
    )
    if not by:
        return {(): tuple(work.sum())}
    for name in by:
        work[name] = frame[name].astype(object).where(frame[name].notna(), None)
    grouped = work.groupby(by, dropna=False).sum()
    return {key if isinstance(key, tuple) else (key,): tuple(row) for key, row in
            zip(grouped.index, grouped.itertuples(index=False), strict=True)}  # fmt: skip


def _shrink(
    sums: tuple[float, ...], parent: tuple[float, float, float], k: float
) -> tuple[float, float, float]:
    n, renewed, due_renewed, kept, expansion = sums
    p = (renewed + k * parent[0]) / (n + k)
    weight = k * (due_renewed / renewed if renewed else 0.0)
    if due_renewed + weight > 0:
        return (p, (kept + weight * parent[1]) / (due_renewed + weight),
                (expansion + weight * parent[2]) / (due_renewed + weight))  # fmt: skip
    return p, parent[1], parent[2]


def _key(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else int(value)


def calibrate(history: pd.DataFrame, as_of: pd.Timestamp, k: float = 10.0) -> Any:
    past = history[(history.date < as_of) & history.mrr_after.notna() & (history.mrr_due > 0)]
    overall = _shrink(_sums(past, []).get((), (0, 0, 0, 0, 0)), (0.9, 1.0, 0.0), k)
    grades = {_key(g[0]): _shrink(s, overall, k) for g, s in _sums(past, ["grade"]).items()}
    cells = {
        (_key(g), seg): _shrink(s, grades[_key(g)], k)
        for (g, seg), s in _sums(past, ["grade", "segment"]).items()
    }
    return overall, grades, cells


def _predict(rows: pd.DataFrame, calibration: Any) -> pd.DataFrame:
    overall, grades, cells = calibration
    rates = [
        cells.get((_key(g), s)) or grades.get(_key(g)) or overall
        for g, s in zip(rows.grade, rows.segment, strict=True)
    ]
    values = np.array(rates).reshape(-1, 3) if rates else np.zeros((0, 3))
    return rows.assign(p=values[:, 0], q=values[:, 1], e=values[:, 2])


def _quarter(day: dt.date, start_month: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    offset = (day.month - start_month) % 12 // 3 * 3
    month0 = (start_month - 1 + offset) % 12 + 1
    year = day.year if month0 <= day.month else day.year - 1
    first = pd.Timestamp(year, month0, 1)
    return first, first + pd.DateOffset(months=3) - pd.Timedelta(days=1)


def forecast(
    renewals_: pd.DataFrame, grades: pd.DataFrame, *, today: dt.date, start_month: int
) -> dict[str, Any]:
    """renewals_: account_id, date, segment, mrr_due, mrr_after, call; grades: account_id,
    day, grade. Returns the two quarters' (GRR, NRR, commit GRR) and the backtest's
    (forecast GRR, actual GRR) per quarter."""
    ren = renewals_.copy()
    ren["asked"] = ren.date - LEAD
    ren["grade"] = _grade_as_of(ren, grades, "asked")
    now = pd.Timestamp(today)
    calibration = calibrate(ren, now)
    ren["today"] = now
    current = ren.assign(grade=_grade_as_of(ren, grades, "today"))
    first, _last = _quarter(today, start_month)
    out: dict[str, Any] = {"quarters": [], "backtest": []}
    for step in (0, 1):
        q_first = first + pd.DateOffset(months=3 * step)
        q_last = q_first + pd.DateOffset(months=3) - pd.Timedelta(days=1)
        rows = current[current.date.between(q_first, q_last) & (current.mrr_due > 0)]
        rows = _predict(rows, calibration)
        closed = (rows.date <= now) & rows.mrr_after.notna()
        due = rows.mrr_due.sum()
        kept = np.minimum(rows.mrr_after, rows.mrr_due)[closed].sum()
        open_ = rows[~closed]
        grr = (kept + (open_.p * open_.q * open_.mrr_due).sum()) / due if due else None
        after = rows.mrr_after[closed].sum()
        nrr = (after + (open_.p * (open_.q + open_.e) * open_.mrr_due).sum()) / due if due else None
        commit = (kept + open_.mrr_due[open_.call == "commit"].sum()) / due if due else None
        out["quarters"].append((grr, nrr, commit))
    for step in range(8, 0, -1):
        q_first = first - pd.DateOffset(months=3 * step)
        q_last = q_first + pd.DateOffset(months=3) - pd.Timedelta(days=1)
        calibration = calibrate(ren, q_first)
        rows = ren[ren.date.between(q_first, q_last) & ren.mrr_after.notna() & (ren.mrr_due > 0)]
        rows = rows.assign(at=q_first)
        rows = _predict(rows.assign(grade=_grade_as_of(rows, grades, "at")), calibration)
        due = rows.mrr_due.sum()
        forecast_grr = (rows.p * rows.q * rows.mrr_due).sum() / due if due else None
        actual = np.minimum(rows.mrr_after, rows.mrr_due).sum() / due if due else None
        out["backtest"].append((forecast_grr, actual))
    return out
