"""Constructed KPI sources with known values (the tests' exact expectations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.customers.models import Account
from kizuna.apps.expansion.models import Csql
from kizuna.apps.org.models import User
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.revenue.models import RevenueSnapshot
from kizuna.core.calendar import month_start_before, month_starts
from tests.factories import AccountFactory

D = dt.date


def revenue(
    month: dt.date, *, dimension: str = "", value: str = "", **figures: Any
) -> RevenueSnapshot:
    return RevenueSnapshot.objects.create(month=month, dimension=dimension, value=value, **figures)


def revenue_history(last: dt.date, months: int, **figures: Any) -> None:
    """The company's rows of ``months`` months up to ``last``, each with ``figures``."""
    for month in month_starts(month_start_before(last, months - 1), last):
        revenue(month, **figures)


def coverage(
    day: dt.date,
    scope: str,
    segment: str,
    covered: int,
    total: int,
    *,
    team: Any = None,
    csm: User | None = None,
    target: float = 0.9,
) -> CoverageSnapshot:
    return CoverageSnapshot.objects.create(
        as_of=day, scope=scope, segment=segment, team=team, csm=csm, covered=covered,
        total=total, rate=covered / total if total else None, target=target,
    )  # fmt: skip


def renewal(
    account: Account, day: dt.date, due: int, after: int | None, outcome: str = ""
) -> Renewal:
    return Renewal.objects.create(
        account=account, date=day, mrr_due=due, mrr_after=after, outcome=outcome
    )


def csql(member: User, day: dt.date, segment: str = "high") -> Csql:
    """A CSQL raised by ``member`` on ``day`` for a new account of theirs (one open CSQL per
    account)."""
    account = AccountFactory(owner=member, team=member.team, segment=segment)
    return Csql.objects.create(
        account=account, raised_by=member, team=member.team, raised_on=day,
        sales_owner_name="営業 佐藤",
        raised_at=dt.datetime(day.year, day.month, day.day, 3, tzinfo=dt.UTC),
    )  # fmt: skip
