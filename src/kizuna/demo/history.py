"""Four years of subscription history for one account, month by month.

Every change is a new line: the previous line of the product ends (exclusive) on the first day
of the month the new one starts, so an account's MRR on a month's last day is the sum of the
lines active that day. Monthly-billed accounts may churn, expand or contract in any month;
annually-billed accounts only at the anniversary of their current contract. Cross-sell (a new
product) can happen in any month. A churned account sometimes comes back months later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from kizuna.core.calendar import add_years
from kizuna.demo.catalog import SEAT_PRICE

MAX_PRODUCTS: Final = 3
RENEWAL_WINDOW: Final = timedelta(days=90)

# Share of accounts starting with each product (the first product is the "land").
_FIRST_PRODUCT_WEIGHTS: Final = {"expense": 40, "invoice": 30, "attendance": 20, "workflow": 10}
# Share of the employees who become seats of each product: (low, high) uniform.
_SEAT_RATIO: Final = {
    "expense": (0.4, 0.9),
    "invoice": (0.02, 0.08),
    "attendance": (0.8, 1.0),
    "workflow": (0.3, 0.8),
}


@dataclass(frozen=True)
class Rates:
    """Probabilities of one event per decision point (a month, or an annual renewal)."""

    churn: float
    expansion: float
    contraction: float


MONTHLY_RATES: Final = Rates(churn=0.0115, expansion=0.02, contraction=0.006)
ANNUAL_RATES: Final = Rates(churn=0.12, expansion=0.25, contraction=0.07)
CROSS_SELL_RATE: Final = 0.018  # per month, per account below MAX_PRODUCTS
REACTIVATION_SHARE: Final = 0.10  # of churns that come back 3 to 15 months later


@dataclass
class LineDraft:
    product_code: str
    seats: int
    billing_period: str
    start: date
    end: date | None = None

    @property
    def mrr(self) -> int:
        return self.seats * SEAT_PRICE[self.product_code]


@dataclass(frozen=True)
class Plan:
    """What an account could buy: products in the order it adopts them, and seat targets."""

    products: tuple[str, ...]
    target_seats: dict[str, int]
    billing_period: str


@dataclass
class _State:
    plan: Plan
    billing: str
    anchor: int  # month index of the current contract's start
    active: dict[str, LineDraft] = field(default_factory=dict)
    adopted: list[str] = field(default_factory=list)
    return_at: int | None = None


def draw_plan(rng: random.Random, employee_count: int) -> Plan:
    """The account's product order, seat targets and preferred billing period."""
    first = rng.choices(
        tuple(_FIRST_PRODUCT_WEIGHTS), weights=tuple(_FIRST_PRODUCT_WEIGHTS.values())
    )
    rest = [code for code in _FIRST_PRODUCT_WEIGHTS if code != first[0]]
    rng.shuffle(rest)
    targets = {}
    for code in _FIRST_PRODUCT_WEIGHTS:
        low, high = _SEAT_RATIO[code]
        targets[code] = max(1, round(employee_count * rng.uniform(low, high)))
    annual_share = 0.25 if employee_count < 100 else 0.5 if employee_count < 1000 else 0.75
    billing = "annual" if rng.random() < annual_share else "monthly"
    return Plan(products=(first[0], *rest), target_seats=targets, billing_period=billing)


def _size_factor(employee_count: int) -> float:
    """Small companies churn more, large ones less."""
    if employee_count < 50:
        return 1.3
    if employee_count < 300:
        return 1.0
    if employee_count < 1000:
        return 0.8
    return 0.5


def simulate(
    rng: random.Random, *, plan: Plan, months: list[date], start: int, employee_count: int
) -> list[LineDraft]:
    """Lines of an account whose first contract starts on ``months[start]``, oldest first.

    ``months`` are the first days of the simulated months, the last one being as_of's month.
    """
    lines: list[LineDraft] = []
    state = _State(plan=plan, billing=plan.billing_period, anchor=start)
    _open(state, lines, plan.products[0], months[start], rng)
    size = _size_factor(employee_count)
    for index in range(start + 1, len(months)):
        if not state.active:
            if state.return_at is None:
                break
            if state.return_at == index:
                _reactivate(state, lines, months[index], index, rng)
            continue
        _step(rng, state, lines, months[index], index, size)
    return lines


def _open(state: _State, lines: list[LineDraft], code: str, day: date, rng: random.Random) -> None:
    seats = max(1, round(state.plan.target_seats[code] * rng.uniform(0.5, 1.0)))
    line = LineDraft(product_code=code, seats=seats, billing_period=state.billing, start=day)
    state.active[code] = line
    if code not in state.adopted:
        state.adopted.append(code)
    lines.append(line)


def _replace(state: _State, lines: list[LineDraft], old: LineDraft, seats: int, day: date) -> None:
    old.end = day
    new = LineDraft(old.product_code, seats=seats, billing_period=old.billing_period, start=day)
    state.active[old.product_code] = new
    lines.append(new)


def _step(
    rng: random.Random, state: _State, lines: list[LineDraft], day: date, index: int, size: float
) -> None:
    annual = state.billing == "annual"
    if not annual or (index - state.anchor) % 12 == 0:
        rates = ANNUAL_RATES if annual else MONTHLY_RATES
        draw = rng.random()
        if draw < rates.churn * size:
            _churn(state, day, index, rng)
            return
        draw -= rates.churn * size
        if draw < rates.expansion:
            line = rng.choice(list(state.active.values()))
            grown = line.seats + max(1, round(line.seats * rng.uniform(0.1, 0.5)))
            _replace(state, lines, line, grown, day)
        elif draw < rates.expansion + rates.contraction:
            line = rng.choice(list(state.active.values()))
            if line.seats > 1:
                cut = max(1, round(line.seats * rng.uniform(0.1, 0.35)))
                _replace(state, lines, line, max(1, line.seats - cut), day)
    if len(state.adopted) < MAX_PRODUCTS and rng.random() < CROSS_SELL_RATE:
        _open(state, lines, state.plan.products[len(state.adopted)], day, rng)


def _churn(state: _State, day: date, index: int, rng: random.Random) -> None:
    for line in state.active.values():
        line.end = day
    state.active.clear()
    state.return_at = index + rng.randint(3, 15) if rng.random() < REACTIVATION_SHARE else None


def _reactivate(
    state: _State, lines: list[LineDraft], day: date, index: int, rng: random.Random
) -> None:
    state.billing = "monthly"
    state.anchor = index
    state.return_at = None
    _open(state, lines, state.plan.products[0], day, rng)


def next_anniversary(start: date, as_of: date) -> date:
    """The first anniversary of ``start`` strictly after ``as_of`` (``start`` is a 1st)."""
    candidate = add_years(start, max(as_of.year - start.year, 0))
    return candidate if candidate > as_of else add_years(candidate, 1)


def potential_acv(rng: random.Random, plan: Plan, lines: list[LineDraft]) -> int:
    """Visible yearly upside in yen, rounded to ¥1,000: unsold seats and products × propensity."""
    active = {line.product_code: line.seats for line in lines if line.end is None}
    upside = 0.0
    for code in plan.products:
        headroom = plan.target_seats[code] - active.get(code, 0)
        if headroom > 0:
            propensity = rng.uniform(0.1, 0.6) if code in active else rng.uniform(0.0, 0.4)
            upside += headroom * SEAT_PRICE[code] * 12 * propensity
    return round(upside / 1000) * 1000
