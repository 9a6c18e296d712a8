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
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from kizuna.demo.types import DemoDataset, DemoSubscriptionLine

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


@dataclass(frozen=True)
class DemoUsageDay:
    account_key: str
    day: dt.date
    events: int
    active_users: int
    feature_counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DemoTopUser:
    account_key: str
    user_id: str
    events: int


@dataclass(frozen=True)
class DemoUsage:
    days: tuple[DemoUsageDay, ...]
    top_users: tuple[DemoTopUser, ...]


def _factor(line: DemoSubscriptionLine, day: dt.date, decline_from: dt.date | None) -> float:
    """Ramp-up after the line starts × fade before the account's end (or its current decline)."""
    age = (day - line.start_date).days
    ramp = min(1.0, 0.15 + 0.85 * age / RAMP_DAYS)
    if decline_from is None or day < decline_from:
        return ramp
    return ramp * max(0.05, 1 - (day - decline_from).days / DECLINE_DAYS)


def _decline_start(
    lines: list[DemoSubscriptionLine], as_of: dt.date, rng: random.Random
) -> dt.date | None:
    ends = [line.end_date for line in lines]
    if ends and None not in ends:
        return max(e for e in ends if e is not None) - dt.timedelta(days=DECLINE_DAYS)
    if rng.random() < 1 / 15:  # at risk now
        return as_of - dt.timedelta(days=rng.randint(10, 25))
    return None


def generate_usage(dataset: DemoDataset, *, seed: int | str, days: int = DAYS) -> DemoUsage:
    """Daily usage of every account with a line active during the last ``days`` days."""
    rng = random.Random(f"{seed}:usage")
    first = dataset.as_of - dt.timedelta(days=days - 1)
    lines_by_account: dict[str, list[DemoSubscriptionLine]] = defaultdict(list)
    for line in dataset.subscription_lines:
        lines_by_account[line.account_key].append(line)
    out: list[DemoUsageDay] = []
    top: list[DemoTopUser] = []
    for account in dataset.accounts:
        lines = [
            ln
            for ln in lines_by_account[account.key]
            if ln.start_date <= dataset.as_of and (ln.end_date is None or ln.end_date > first)
        ]
        if not lines:
            continue
        share, uptake = ENGAGEMENT.get(account.segment, ENGAGEMENT["tech"])
        share *= rng.uniform(0.6, 1.3)
        decline = _decline_start(lines, dataset.as_of, rng)
        if all(line.end_date is not None for line in lines):  # will churn: never fully took off
            share, uptake = share * 0.7, uptake * 0.75
        adopted = {
            line.key: [
                (feature, rng.randint(0, RAMP_DAYS) if not key or rng.random() < uptake else None)
                for _event, feature, key in FEATURES[line.product_code]
            ]
            for line in lines
        }
        account_days = _account_days(
            account.key, lines, adopted, share, decline, first, dataset.as_of, rng
        )
        out.extend(account_days)
        top.extend(_top_users(account.key, account_days, dataset.as_of, rng))
    return DemoUsage(days=tuple(out), top_users=tuple(top))


def _account_days(
    key: str,
    lines: list[DemoSubscriptionLine],
    adopted: dict[str, list[tuple[str, int | None]]],
    share: float,
    decline: dt.date | None,
    first: dt.date,
    as_of: dt.date,
    rng: random.Random,
) -> list[DemoUsageDay]:
    result = []
    day = first
    while day <= as_of:
        users = events = 0
        counts: dict[str, int] = {}
        for line in lines:
            if not (line.start_date <= day and (line.end_date is None or day < line.end_date)):
                continue
            level = share * WEEKDAY[day.weekday()] * _factor(line, day, decline)
            expected = line.seats * level * rng.uniform(0.85, 1.15)
            # rounded at random, so that a 3-seat account at 0.4 users a day still has usage days
            whole = int(expected)
            line_users = min(line.seats, whole + (rng.random() < expected - whole))
            age = (day - line.start_date).days
            live = [f for f, start in adopted[line.key] if start is not None and start <= age]
            if line_users <= 0 or not live:
                continue
            line_events = round(
                line_users * EVENTS_PER_USER[line.product_code] * rng.uniform(0.8, 1.2)
            )
            users = max(users, line_users)
            for index, feature in enumerate(live):
                n = round(line_events / (index + 1.5))
                counts[feature] = counts.get(feature, 0) + n
                events += n
        if events:
            features = tuple(sorted((f, n) for f, n in counts.items() if n))
            result.append(DemoUsageDay(key, day, events, users, features))
        day += dt.timedelta(days=1)
    return result


def _top_users(
    key: str, days: list[DemoUsageDay], as_of: dt.date, rng: random.Random
) -> list[DemoTopUser]:
    """Five power users, each with a few times the events of an average user of the account."""
    since = as_of - dt.timedelta(days=27)
    recent = [d for d in days if d.day >= since]
    total = sum(d.events for d in recent)
    if not total:
        return []
    users = max(d.active_users for d in recent)
    per_user = total / max(1.0, users * 1.3)
    counts = sorted((per_user * rng.uniform(2.0, 6.0) for _ in range(min(5, users))), reverse=True)
    return [DemoTopUser(key, f"user-{rng.randint(1000, 9999)}", max(1, round(n))) for n in counts]
