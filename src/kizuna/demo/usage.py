"""Product usage of the demo company: daily aggregates per account (pure, seeded).

What makes it believable (and gives health scores a real signal later):

- **weekday rhythm**: Saturday and Sunday at 10–15 % of a weekday, Friday a little lower;
- **onboarding ramp-up**: usage of a product grows over its first 45 days, and its features are
  taken up one after another;
- **adoption by segment and product**: high-touch accounts use more of their seats and more of
  the key features than low-touch, low-touch more than tech-touch; each product has its own
  events per user;
- **declines before churn**: an account that churns used fewer seats and features all along,
  and its usage fades over the 60 days before its last line ends,
  and some live accounts (about 1 in 15) are in a decline now (the at-risk ones).

It draws from its own random stream (``seed:usage``), so adding usage changes nothing else in
the demo. Only the last ``days`` days are generated, as per-account-day aggregates (events,
active users, per-feature counts), plus each account's top users over the last 28 days.

Every account-line-day is drawn at once with numpy (arrays of line-days, one column per feature
slot), a block of accounts at a time, and aggregated per account-day with Polars: the same rules
as one Python loop per account and day, 6 million account-days at 100,000 accounts in seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
import pyarrow as pa

from kizuna.demo.types import DemoDataset

#: product → (event, feature, key feature?); the demo's feature catalog.
FEATURES: Final[dict[str, tuple[tuple[str, str, bool], ...]]] = {
    "expense": (
        ("expense.report.create", "expense_report", True),
        ("expense.receipt.scan", "receipt_scan", True),
        ("expense.approve", "expense_approval", True),
        ("expense.card.sync", "card_sync", False),
    ),
    "invoice": (
        ("invoice.receive", "invoice_receive", True),
        ("invoice.ocr", "invoice_ocr", True),
        ("invoice.payment.export", "payment_export", False),
    ),
    "attendance": (
        ("attendance.clock", "clock_in_out", True),
        ("attendance.leave.request", "leave_request", True),
        ("attendance.shift.plan", "shift_planning", False),
    ),
    "workflow": (
        ("workflow.request.create", "workflow_request", True),
        ("workflow.approve", "workflow_approval", True),
        ("workflow.form.design", "form_designer", False),
    ),
}
#: feature → (Japanese, English) display name
FEATURE_LABELS: Final[dict[str, tuple[str, str]]] = {
    "expense_report": ("経費申請", "Expense reports"),
    "receipt_scan": ("領収書読み取り", "Receipt scanning"),
    "expense_approval": ("経費承認", "Expense approval"),
    "card_sync": ("カード明細連携", "Card sync"),
    "invoice_receive": ("請求書受領", "Invoice receipt"),
    "invoice_ocr": ("請求書OCR", "Invoice OCR"),
    "payment_export": ("支払データ出力", "Payment export"),
    "clock_in_out": ("打刻", "Clock-in/out"),
    "leave_request": ("休暇申請", "Leave requests"),
    "shift_planning": ("シフト作成", "Shift planning"),
    "workflow_request": ("申請作成", "Workflow requests"),
    "workflow_approval": ("申請承認", "Workflow approval"),
    "form_designer": ("フォーム設計", "Form designer"),
}
EVENTS_PER_USER: Final = {"expense": 3.0, "invoice": 5.0, "attendance": 2.0, "workflow": 2.5}
#: share of seats active on a weekday, and chance of taking up each feature, by segment
ENGAGEMENT: Final = {"high": (0.55, 0.95), "low": (0.40, 0.8), "tech": (0.28, 0.6)}
WEEKDAY: Final = (1.0, 1.0, 1.0, 0.97, 0.88, 0.14, 0.1)  # Monday … Sunday
RAMP_DAYS: Final = 45
DAYS: Final = 300  # long enough for a health-score backtest with a 90-day horizon
DECLINE_DAYS: Final = 60


#: the columns of ``DemoUsage.days`` (``feature_counts`` sorted by feature, counts above 0)
DAYS_SCHEMA: Final = {
    "account_key": pl.String,
    "day": pl.Date,
    "events": pl.Int64,
    "active_users": pl.Int64,
    "feature_counts": pl.List(pl.Struct({"feature": pl.String, "events": pl.Int64})),
}
#: the columns of ``DemoUsage.top_users`` (per account, most events first)
TOP_USERS_SCHEMA: Final = {"account_key": pl.String, "user_id": pl.String, "events": pl.Int64}
#: account-days drawn together (bounds the memory of the line-day arrays)
CELLS: Final = 600_000
_SLOTS: Final = max(len(features) for features in FEATURES.values())
_NEVER: Final = 1 << 30  # the adoption age of a feature never taken up, or of an empty slot


@dataclass(frozen=True)
class DemoUsage:
    """``days``: one row per account-day with usage (``DAYS_SCHEMA``), in account order then
    by day; ``top_users``: up to five per account (``TOP_USERS_SCHEMA``)."""

    days: pl.DataFrame
    top_users: pl.DataFrame

    def equals(self, other: DemoUsage) -> bool:
        return self.days.equals(other.days) and self.top_users.equals(other.top_users)


def _rng(seed: str) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:16]))


def generate_usage(dataset: DemoDataset, *, seed: int | str, days: int = DAYS) -> DemoUsage:
    """Daily usage of every account with a line active during the last ``days`` days."""
    rng = _rng(f"{seed}:usage")
    as_of = dataset.as_of
    first = as_of - dt.timedelta(days=days - 1)
    index = {account.key: i for i, account in enumerate(dataset.accounts)}
    lines = sorted(
        (
            (index[ln.account_key], n, ln)
            for n, ln in enumerate(dataset.subscription_lines)
            if ln.account_key in index
            and ln.start_date <= as_of
            and (ln.end_date is None or ln.end_date > first)
        ),
        key=lambda item: (item[0], item[1]),
    )
    products = list(FEATURES)
    # per line, days counted from ``first`` (an open line ends after the window)
    acc = np.array([a for a, _n, _ln in lines], dtype=np.int64)
    start = np.array([(ln.start_date - first).days for *_, ln in lines], dtype=np.int64)
    end = np.array(
        [days + 1 if ln.end_date is None else (ln.end_date - first).days for *_, ln in lines],
        dtype=np.int64,
    )
    seats = np.array([ln.seats for *_, ln in lines], dtype=np.int64)
    product = np.array([products.index(ln.product_code) for *_, ln in lines], dtype=np.int64)

    # per account: share of seats, uptake, and the day a decline starts (churn or at risk now)
    n_accounts = len(dataset.accounts)
    segments = [ENGAGEMENT.get(a.segment, ENGAGEMENT["tech"]) for a in dataset.accounts]
    share = np.array([s for s, _u in segments], dtype=np.float64)
    uptake = np.array([u for _s, u in segments], dtype=np.float64)
    share *= rng.uniform(0.6, 1.3, n_accounts)
    has_line = np.bincount(acc, minlength=n_accounts) > 0
    open_lines = np.bincount(acc, weights=end > days, minlength=n_accounts)
    churns = has_line & (open_lines == 0)  # will churn: never fully took off
    last_end = np.full(n_accounts, -_NEVER, dtype=np.int64)
    np.maximum.at(last_end, acc, end)
    at_risk = rng.random(n_accounts) < 1 / 15
    back = rng.integers(10, 26, n_accounts)
    decline = np.where(churns, last_end - DECLINE_DAYS, np.where(at_risk, days - 1 - back, _NEVER))
    share = np.where(churns, share * 0.7, share)
    uptake = np.where(churns, uptake * 0.75, uptake)

    # per line and feature slot: the age at which the feature is taken up (or never)
    key = np.zeros((len(products), _SLOTS), dtype=bool)
    exists = np.zeros((len(products), _SLOTS), dtype=bool)
    names = sorted({feature for features in FEATURES.values() for _e, feature, _k in features})
    feature_id = np.zeros((len(products), _SLOTS), dtype=np.int64)  # its index in ``names``
    for p, code in enumerate(products):
        for slot, (_event, feature, is_key) in enumerate(FEATURES[code]):
            key[p, slot], exists[p, slot] = is_key, True
            feature_id[p, slot] = names.index(feature)
    adopt_at = rng.integers(0, RAMP_DAYS + 1, (len(lines), _SLOTS))
    taken = ~key[product] | (rng.random((len(lines), _SLOTS)) < uptake[acc][:, None])
    adopt_at = np.where(exists[product] & taken, adopt_at, _NEVER)

    block = max(1, CELLS // days)
    parts = [
        _block_days(
            rng,
            days=days,
            first_weekday=first.weekday(),
            accounts=(low, min(low + block, n_accounts)),
            lines=np.flatnonzero((acc >= low) & (acc < low + block)),
            acc=acc,
            start=start,
            end=end,
            seats=seats,
            epu=np.array([EVENTS_PER_USER[c] for c in products])[product],
            share=share,
            decline=decline,
            adopt_at=adopt_at,
            feature=feature_id[product],
        )
        for low in range(0, n_accounts, block)
    ]
    keys = pl.Series("account_key", [a.key for a in dataset.accounts], dtype=pl.String)
    usage = _usage_frame(parts, names, keys, first)
    return DemoUsage(days=usage, top_users=_top_users(usage, as_of, rng))


@dataclass(frozen=True)
class _Block:
    """The account-days with usage of a block of accounts: ``account``, ``day`` (from the
    window's first), ``events``, ``users``; their features with events, flat (``feature``
    indices in name order, ``count``), ``features`` per account-day."""

    account: np.ndarray
    day: np.ndarray
    events: np.ndarray
    users: np.ndarray
    features: np.ndarray
    feature: np.ndarray
    count: np.ndarray


def _block_days(
    rng: np.random.Generator,
    *,
    days: int,
    first_weekday: int,
    accounts: tuple[int, int],
    lines: np.ndarray,
    acc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    seats: np.ndarray,
    epu: np.ndarray,
    share: np.ndarray,
    decline: np.ndarray,
    adopt_at: np.ndarray,
    feature: np.ndarray,
) -> _Block:
    """Every line-day of ``lines`` (those of the block of ``accounts``), summed per account-day:
    the most active users of its lines, the events of each feature."""
    low = np.maximum(start[lines], 0)
    count = np.maximum(np.minimum(end[lines], days) - low, 0)
    line = np.repeat(lines, count)
    offsets = np.repeat(np.cumsum(count) - count, count)
    day = np.repeat(low, count) + np.arange(len(line)) - offsets
    age = day - start[line]
    account = acc[line]
    ramp = np.minimum(1.0, 0.15 + 0.85 * age / RAMP_DAYS)
    since = day - decline[account]
    factor = np.where(since >= 0, ramp * np.maximum(0.05, 1 - since / DECLINE_DAYS), ramp)
    weekday = np.asarray(WEEKDAY)[(first_weekday + day) % 7]
    expected = seats[line] * share[account] * weekday * factor * rng.uniform(0.85, 1.15, len(line))
    # rounded at random, so that a 3-seat account at 0.4 users a day still has usage days
    whole = np.floor(expected)
    users = np.minimum(seats[line], whole + (rng.random(len(line)) < expected - whole))
    live = adopt_at[line] <= age[:, None]
    used = (users > 0) & live.any(axis=1)
    line, day, account, users, live = line[used], day[used], account[used], users[used], live[used]
    line_events = np.rint(users * epu[line] * rng.uniform(0.8, 1.2, len(line)))
    # the n-th feature taken up gets events / (n + 0.5)
    nth = np.cumsum(live, axis=1) - 1
    per_feature = np.where(live, np.rint(line_events[:, None] / (nth + 1.5)), 0)
    # summed per account-day (``cell``) and feature
    n_cells, n_features = (accounts[1] - accounts[0]) * days, feature.max(initial=0) + 1
    cell = (account - accounts[0]) * days + day
    counts = np.bincount(
        (cell[:, None] * n_features + feature[line]).reshape(-1),
        weights=per_feature.reshape(-1),
        minlength=n_cells * n_features,
    ).reshape(n_cells, n_features)
    most = np.zeros(n_cells, dtype=np.int64)
    np.maximum.at(most, cell, users.astype(np.int64))
    events = counts.sum(axis=1)
    kept = np.flatnonzero(events > 0)
    counts = counts[kept]
    has = counts > 0
    return _Block(
        account=accounts[0] + kept // days,
        day=kept % days,
        events=events[kept].astype(np.int64),
        users=most[kept],
        features=has.sum(axis=1),
        feature=np.nonzero(has)[1],
        count=counts[has].astype(np.int64),
    )


def _usage_frame(
    blocks: list[_Block], names: list[str], keys: pl.Series, first: dt.date
) -> pl.DataFrame:
    """The account-days as ``DAYS_SCHEMA`` (the lists built by Arrow from flat arrays)."""

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in blocks] or [np.zeros(0, np.int64)])

    sizes = joined("features")
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    pairs = pa.StructArray.from_arrays(
        [pa.array(names, pa.string()).take(pa.array(joined("feature"))), pa.array(joined("count"))],
        names=["feature", "events"],
    )
    lists = pl.from_arrow(pa.LargeListArray.from_arrays(pa.array(offsets), pairs))
    assert isinstance(lists, pl.Series)
    return pl.DataFrame(
        {
            "account_key": keys.gather(joined("account")),
            "day": np.datetime64(first, "D") + joined("day"),
            "events": joined("events"),
            "active_users": joined("users"),
            "feature_counts": lists,
        }
    ).cast(DAYS_SCHEMA)  # type: ignore[arg-type]


def _top_users(usage: pl.DataFrame, as_of: dt.date, rng: np.random.Generator) -> pl.DataFrame:
    """Five power users, each with a few times the events of an average user of the account."""
    since = as_of - dt.timedelta(days=27)
    recent = (
        usage.filter(pl.col("day") >= since)
        .group_by("account_key", maintain_order=True)
        .agg(pl.col("events").sum().alias("total"), pl.col("active_users").max().alias("users"))
        .filter(pl.col("total") > 0)
    )
    total = recent["total"].to_numpy().astype(np.float64)
    users = recent["users"].to_numpy()
    per_user = total / np.maximum(1.0, users * 1.3)
    draws = np.sort(per_user[:, None] * rng.uniform(2.0, 6.0, (len(total), 5)), axis=1)[:, ::-1]
    ids = rng.integers(1000, 10_000, (len(total), 5))
    kept = np.arange(5)[None, :] < np.minimum(5, users)[:, None]
    owner = np.repeat(np.arange(len(total)), 5)[kept.reshape(-1)]
    return pl.DataFrame(
        {
            "account_key": recent["account_key"].gather(owner),
            "user_id": [f"user-{n}" for n in ids[kept]],
            "events": np.maximum(1, np.rint(draws[kept])).astype(np.int64),
        },
        schema=TOP_USERS_SCHEMA,
    )
