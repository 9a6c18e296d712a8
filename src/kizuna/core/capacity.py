"""Capacity plan: how many CSMs each team needs now and over the coming months.

The formulas of docs/metrics.md ("Capacity plan"), per segment S:

- book CSMs(S)       = accounts(S) / target load(S)            (accounts per CSM)
- onboarding CSMs(S) = monthly new contracts(S) × average onboarding months(S)
                       / concurrent onboardings per CSM(S)

Accounts in onboarding, per segment S whose onboardings a team carries (an onboarding duty):
in the as-of month (m = 0) the accounts onboarding now when given (``onboarding_now``), else,
and in every later month, the steady state monthly new contracts(S) × onboarding months(S).
That segment's book then carries the others only: book accounts(S) = accounts(S) − accounts
in onboarding(S), never below 0, so no account is counted twice. With target load = the norm's
maximum and concurrent onboardings = the same maximum, the as-of month gives each team the
CSMs needed to bring everyone within the norm (``kizuna.core.assignment.TeamLoad.needed``).

A team's need is the sum of the duties it carries (``Duty``: a segment's book or a segment's
onboardings), kept as an exact ``Fraction``; the headcount it takes is the ceiling of that sum
(fractions of people are added before rounding, never rounded per duty). gap = ceiling −
headcount (negative: spare people); hiring need = max(gap, 0).

Projection, month by month (m = 0 is the as-of month, as given): accounts(S, m) =
accounts(S, m − 1) × (1 − monthly logo churn rate(S)) + monthly new contracts(S). Churn applies
to the book at the start of the month; that month's new contracts do not churn in it. Projected
accounts stay exact fractions; round them only to show them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

from kizuna.core.calendar import first_of_month, month_end, month_index, month_start_after

Number = int | Decimal | Fraction
BOOK: Final = "book"
ONBOARDING: Final = "onboarding"


@dataclass(frozen=True, slots=True)
class Duty:
    """Team ``team`` carries the book (accounts / target load) or the onboardings of a segment."""

    team: str
    segment: str
    kind: Literal["book", "onboarding"]


@dataclass(frozen=True, slots=True)
class CapacityParams:
    """Planning inputs. Mappings are keyed by segment, except ``headcount`` (by team). A missing
    churn rate or new-contract figure is 0; a duty whose divisor is missing raises."""

    accounts: Mapping[str, int]
    target_load: Mapping[str, Number]
    monthly_new_contracts: Mapping[str, Number]
    monthly_churn_rate: Mapping[str, Number]
    onboarding_months: Mapping[str, Number]
    concurrent_onboardings: Mapping[str, Number]
    headcount: Mapping[str, int]
    duties: tuple[Duty, ...] = ()
    onboarding_now: Mapping[str, int] | None = None


@dataclass(frozen=True, slots=True)
class TeamNeed:
    team: str
    needed: Fraction
    needed_ceil: int
    headcount: int
    gap: int
    hiring_need: int


@dataclass(frozen=True, slots=True)
class CapacityMonth:
    """One month of the plan: ``month`` is its first day; accounts are at its end;
    ``book_needs``: accounts / target load for every segment with a target load."""

    month: date
    accounts: Mapping[str, Fraction]
    book_needs: Mapping[str, Fraction]
    teams: tuple[TeamNeed, ...]


def _fraction(value: Number) -> Fraction:
    return Fraction(value)


def book_need(accounts: Number, per_csm: Number) -> Fraction:
    """CSMs a book takes: accounts / accounts per CSM, exact (not rounded). Raises
    ``ValueError`` for a per-CSM figure of 0 or less (no zero denominator)."""
    if _fraction(per_csm) <= 0:
        raise ValueError("accounts per CSM must be positive")
    return _fraction(accounts) / _fraction(per_csm)


def _positive(mapping: Mapping[str, Number], segment: str, name: str) -> Fraction:
    if segment not in mapping or _fraction(mapping[segment]) <= 0:
        raise ValueError(f"{name} for segment {segment!r} must be given and positive")
    return _fraction(mapping[segment])


def _onboarding(params: CapacityParams, segment: str, *, first: bool) -> Fraction:
    """Accounts of ``segment`` in onboarding: measured in the as-of month, else steady state."""
    if first and params.onboarding_now is not None:
        return Fraction(params.onboarding_now.get(segment, 0))
    new = _fraction(params.monthly_new_contracts.get(segment, 0))
    return new * _fraction(params.onboarding_months.get(segment, 0))


def _duty_need(
    params: CapacityParams, duty: Duty, accounts: Mapping[str, Fraction], *, first: bool
) -> Fraction:
    segment = duty.segment
    onboarded_apart = any(d.kind == ONBOARDING and d.segment == segment for d in params.duties)
    onboarding = _onboarding(params, segment, first=first)
    if duty.kind == BOOK:
        book = accounts.get(segment, Fraction(0))
        if onboarded_apart:
            book = max(Fraction(0), book - onboarding)
        return book_need(book, _positive(params.target_load, segment, "target_load"))
    per_csm = _positive(params.concurrent_onboardings, segment, "concurrent_onboardings")
    return book_need(onboarding, per_csm)


def _team_needs(
    params: CapacityParams, accounts: Mapping[str, Fraction], *, first: bool
) -> tuple[TeamNeed, ...]:
    needed: dict[str, Fraction] = {team: Fraction(0) for team in params.headcount}
    for duty in params.duties:
        need = _duty_need(params, duty, accounts, first=first)
        needed[duty.team] = needed.get(duty.team, Fraction(0)) + need
    rows = []
    for team in sorted(needed):
        ceil = math.ceil(needed[team])
        headcount = params.headcount.get(team, 0)
        rows.append(
            TeamNeed(
                team, needed[team], ceil, headcount, ceil - headcount, max(0, ceil - headcount)
            )
        )
    return tuple(rows)


def _month(
    params: CapacityParams, month: date, accounts: dict[str, Fraction], *, first: bool
) -> CapacityMonth:
    book_needs = {
        segment: book_need(
            accounts.get(segment, Fraction(0)),
            _positive(params.target_load, segment, "target_load"),
        )
        for segment in sorted(params.target_load)
    }
    teams = _team_needs(params, accounts, first=first)
    return CapacityMonth(month, dict(accounts), book_needs, teams)


def capacity_plan(
    params: CapacityParams, *, as_of: date, months: int = 12
) -> tuple[CapacityMonth, ...]:
    """The plan for the as-of month (index 0, today's accounts) and the next ``months`` months.

    See the module docstring for the formulas and rounding. Teams are listed by name: every team
    with a headcount or a duty (a team with headcount and no duty needs 0). Raises
    ``ValueError`` for a negative ``months``, a churn rate outside [0, 1] or a missing or
    non-positive divisor (target load, concurrent onboardings) of a duty.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    for segment, rate in params.monthly_churn_rate.items():
        if not 0 <= _fraction(rate) <= 1:
            raise ValueError(f"monthly_churn_rate for {segment!r} must be between 0 and 1")
    segments = sorted(set(params.accounts) | set(params.monthly_new_contracts))
    accounts = {segment: Fraction(params.accounts.get(segment, 0)) for segment in segments}
    start = first_of_month(as_of)
    plan = [_month(params, start, accounts, first=True)]
    for index in range(1, months + 1):
        for segment in segments:
            keep = 1 - _fraction(params.monthly_churn_rate.get(segment, 0))
            new = _fraction(params.monthly_new_contracts.get(segment, 0))
            accounts[segment] = accounts[segment] * keep + new
        plan.append(_month(params, month_start_after(start, index), accounts, first=False))
    return tuple(plan)


def monthly_new_contracts(
    first_contract_days: Iterable[date], *, as_of: date, months: int
) -> Fraction:
    """Mean new contracts per month over the last ``months`` complete calendar months.

    The window ends with as_of's month when as_of is that month's last day, otherwise with the
    month before (a month in progress would pull the mean down); it spans ``months`` calendar
    months back from there, both ends inclusive. Mean = first-contract days in the window /
    months, exact. Raises ``ValueError`` unless months ≥ 1 (no zero denominator).
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    complete = as_of == month_end(as_of)
    last = month_index(as_of) if complete else month_index(as_of) - 1
    first = last - months + 1
    count = sum(1 for day in first_contract_days if first <= month_index(day) <= last)
    return Fraction(count, months)
