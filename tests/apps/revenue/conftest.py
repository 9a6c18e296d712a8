"""The small book of docs/metrics.md (and the core's ``small_book`` golden scenario) in the
database: four accounts a–d, January–April 2024.

a 100 throughout (high touch); b 50 in Jan–Feb, churns in March (low touch); c new in February
at 40, +20 from March (low touch); d 20 + 10 in Jan–Feb, the 20 ends in March (tech touch).
Company MRR: Jan 180, Feb 220, Mar 170, Apr 170.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.customers.models import Account, SubscriptionLine
from tests.factories import AccountFactory, ProductFactory, SubscriptionLineFactory

AS_OF = dt.date(2024, 4, 15)
JAN, FEB, MAR, APR, MAY = (dt.date(2024, month, 1) for month in range(1, 6))


def _line(account: Account, start: dt.date, end: dt.date | None, mrr: int) -> SubscriptionLine:
    line: SubscriptionLine = SubscriptionLineFactory(
        account=account,
        product=ProductFactory(),
        billing_amount=mrr,
        start_date=start,
        end_date=end,
    )
    return line


@pytest.fixture
def book(db: Any) -> dict[str, Any]:
    accounts = {
        name: AccountFactory(name=f"株式会社{name.upper()}", segment=segment, channel="direct")
        for name, segment in (("a", "high"), ("b", "low"), ("c", "low"), ("d", "tech"))
    }
    lines = {
        "a": _line(accounts["a"], JAN, None, 100),
        "b": _line(accounts["b"], JAN, MAR, 50),
        "c1": _line(accounts["c"], FEB, None, 40),
        "c2": _line(accounts["c"], MAR, None, 20),
        "d1": _line(accounts["d"], JAN, MAR, 20),
        "d2": _line(accounts["d"], JAN, None, 10),
    }
    return {"accounts": accounts, "lines": lines}
