"""The small book of the revenue tests (four accounts, January–April 2024: company MRR Jan
180, Feb 220, Mar 170, Apr 170) with its snapshots, plus the month's risks and saves:

March 2024: a (high touch) turns red on 3/31 (green on 2/29); c is red on both days (not a
turn); d has a renewal on 5/10 called at risk (MRR due 30); c's renewal on 8/1 is at risk but
beyond 90 days after March. Saves: c's task closed "saved" at 3/1 00:10 JST (= 2/29 in UTC,
counted in March), a's at 4/1 00:30 JST (= 3/31 in UTC, counted in April), d's task closed
"contacted" (not a save)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.revenue.services import revenue_snapshots_refresh
from kizuna.apps.tasks.models import Task
from tests.apps.org.conftest import smtp_down, smtp_server  # noqa: F401 (fixtures)
from tests.apps.revenue.conftest import AS_OF, book  # noqa: F401 (fixture)
from tests.factories import World

JST = dt.timezone(dt.timedelta(hours=9))


def _score(account: Account, day: dt.date, rag: str) -> None:
    model = ScoreModelVersion.objects.filter(name="adoption").first()
    HealthScore.objects.create(account=account, day=day, model=model, score=10, grade=1, rag=rag)


@pytest.fixture
def month_data(world: World, book: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    revenue_snapshots_refresh(as_of=AS_OF)
    accounts = book["accounts"]
    for name, mrr in (("a", 100), ("b", 0), ("c", 60), ("d", 10)):
        Account.objects.filter(pk=accounts[name].pk).update(mrr=mrr, owner=world.csm)
    score_models_ensure_defaults()
    _score(accounts["a"], dt.date(2024, 2, 29), "green")
    _score(accounts["c"], dt.date(2024, 2, 29), "red")
    _score(accounts["a"], dt.date(2024, 3, 31), "red")
    _score(accounts["c"], dt.date(2024, 3, 31), "red")
    Renewal.objects.create(
        account=accounts["d"], date=dt.date(2024, 5, 10), mrr_due=30, forecast_call="at_risk"
    )
    Renewal.objects.create(
        account=accounts["c"], date=dt.date(2024, 8, 1), mrr_due=60, forecast_call="at_risk"
    )
    Renewal.objects.create(
        account=accounts["b"], date=dt.date(2024, 4, 1), mrr_due=50, forecast_call="lost",
        stage="churned", outcome="churned",
    )  # fmt: skip
    saves = {
        "c": (dt.datetime(2024, 3, 1, 0, 10, tzinfo=JST), "saved"),
        "a": (dt.datetime(2024, 4, 1, 0, 30, tzinfo=JST), "saved"),
        "d": (dt.datetime(2024, 3, 15, 12, 0, tzinfo=JST), "contacted"),
    }
    for name, (closed_at, outcome) in saves.items():
        Task.objects.create(
            account=accounts[name], owner=world.csm, title=f"救済 {name}",
            due_date=dt.date(2024, 3, 1), state="done", outcome=outcome, closed_at=closed_at,
        )  # fmt: skip
    return {"world": world, "accounts": accounts}
