"""Who the customers are: CRM id, name, industry, size, sales channel and first contract month.

New contracts grow over the four years (each month brings ``GROWTH`` times the previous one's),
employee counts are log-normal (median ~80, a few above 10,000), and partners (resellers) sell
mostly to small and mid-sized companies.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from kizuna.demo.name_data import PARTNERS
from kizuna.demo.names import CompanyName, CompanyNamer

GROWTH: Final = 1.035  # monthly growth factor of new contracts
INDUSTRY_WEIGHTS: Final = {
    "it": 18,
    "manufacturing": 16,
    "services": 14,
    "retail": 10,
    "construction": 10,
    "logistics": 7,
    "healthcare": 7,
    "finance": 6,
    "real_estate": 6,
    "food": 6,
}
_MEDIAN_EMPLOYEES: Final = 80
_EMPLOYEE_SIGMA: Final = 1.6
_EMPLOYEE_RANGE: Final = (10, 60_000)
_FIRST_KEY: Final = 100_000


@dataclass(frozen=True)
class Profile:
    key: str  # SF-0123456, ascending with the first contract month
    company: CompanyName
    industry: str
    employee_count: int
    channel: str  # "direct" | "partner"
    partner_name: str
    created_on: date
    start_index: int  # index into the simulated months of the first contract


def draw_start_indices(rng: random.Random, *, count: int, months: int) -> list[int]:
    """Month index (0 = oldest) of each account's first contract, sorted ascending."""
    cumulative = list(itertools.accumulate(GROWTH**index for index in range(months)))
    return sorted(rng.choices(range(months), cum_weights=cumulative, k=count))


def _employee_count(rng: random.Random) -> int:
    low, high = _EMPLOYEE_RANGE
    value = round(math.exp(rng.gauss(math.log(_MEDIAN_EMPLOYEES), _EMPLOYEE_SIGMA)))
    return min(max(value, low), high)


def _channel(rng: random.Random, employee_count: int) -> tuple[str, str]:
    share = 0.30 if employee_count < 300 else 0.15 if employee_count < 1000 else 0.05
    if rng.random() >= share:
        return "direct", ""
    names = tuple(name for name, _weight in PARTNERS)
    weights = tuple(weight for _name, weight in PARTNERS)
    return "partner", rng.choices(names, weights=weights)[0]


def draw_profiles(rng: random.Random, *, count: int, months: list[date]) -> list[Profile]:
    """``count`` customer profiles, in CRM id order (which is also first-contract order)."""
    namer = CompanyNamer(rng)
    industries = tuple(INDUSTRY_WEIGHTS)
    industry_weights = tuple(INDUSTRY_WEIGHTS.values())
    number = _FIRST_KEY
    profiles = []
    for start in draw_start_indices(rng, count=count, months=len(months)):
        number += rng.randint(1, 30)
        industry = rng.choices(industries, weights=industry_weights)[0]
        employees = _employee_count(rng)
        channel, partner = _channel(rng, employees)
        profiles.append(
            Profile(
                key=f"SF-{number:07d}",
                company=namer.draw(industry, employees),
                industry=industry,
                employee_count=employees,
                channel=channel,
                partner_name=partner,
                created_on=months[start] - timedelta(days=rng.randint(14, 180)),
                start_index=start,
            )
        )
    return profiles
