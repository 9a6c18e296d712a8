"""The demo company's staffing is believable against the load norms (issue 11, item 17): at the
default 2,000 accounts most CSMs are within the norm, a few are over, and the capacity plan and
the team loads give one small hiring number. Judged with the core's own definitions."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from kizuna.core.assignment import DEFAULT_NORMS, CsmLoad, TeamLoad, load_state, team_loads
from kizuna.core.capacity import CapacityParams, Duty, capacity_plan
from kizuna.demo import DemoDataset, generate
from kizuna.demo.catalog import BOOK_WEIGHTS

AS_OF = date(2026, 11, 25)
SERVES = {"strategic": "high", "corporate_onboarding": "low", "corporate_adoption": "low"}
TEAM_IDS = {code: index for index, code in enumerate(sorted(SERVES), start=1)}


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return generate(as_of=AS_OF)


def _active(dataset: DemoDataset) -> set[str]:
    return {line.account_key for line in dataset.subscription_lines if line.end_date is None}


def _loads(dataset: DemoDataset) -> list[CsmLoad]:
    active = _active(dataset)
    books = Counter(a.owner_username for a in dataset.accounts if a.key in active)
    return [
        CsmLoad(index, TEAM_IDS[u.team_code], SERVES[u.team_code], books[u.username], 0)
        for index, u in enumerate(dataset.users)
        if u.role == "csm" and u.team_code in SERVES
    ]


def _pools(dataset: DemoDataset) -> dict[str, TeamLoad]:
    by_id = {index: code for code, index in TEAM_IDS.items()}
    return {by_id[pool.team_id]: pool for pool in team_loads(_loads(dataset))}


def test_most_csms_are_within_the_norm_and_a_few_are_over(dataset: DemoDataset) -> None:
    # given / when
    norms = {norm.segment: norm for norm in DEFAULT_NORMS}
    states = Counter(load_state(c.accounts, norms[c.segment]) for c in _loads(dataset))

    # then
    total = sum(states.values())
    assert 30 <= total <= 45
    assert 1 <= states["over"] <= total * 0.25
    assert states["ok"] >= total * 0.7


def test_every_active_high_and_low_account_has_an_owner_in_its_pool(dataset: DemoDataset) -> None:
    # given / when
    pools = _pools(dataset)
    active = [a for a in dataset.accounts if a.key in _active(dataset)]

    # then nothing waits: the pools carry every high- and low-touch account
    assert sum(p.accounts for p in pools.values()) == sum(a.segment != "tech" for a in active)
    assert all(p.waiting == 0 for p in pools.values())


def test_the_hiring_need_is_small_and_the_capacity_plan_gives_the_same(
    dataset: DemoDataset,
) -> None:
    # given the demo's active accounts per segment and onboarding now, the norms' maxima as
    # target load and concurrent onboardings
    active = [a for a in dataset.accounts if a.key in _active(dataset)]
    pools = _pools(dataset)
    params = CapacityParams(
        accounts=Counter(a.segment for a in active),
        target_load={"high": 10, "low": 30},
        monthly_new_contracts={"low": Decimal(19)},
        monthly_churn_rate={},
        onboarding_months={"low": 3},
        concurrent_onboardings={"low": 30},
        headcount={code: pool.headcount for code, pool in pools.items()},
        duties=(
            Duty("strategic", "high", "book"),
            Duty("corporate_onboarding", "low", "onboarding"),
            Duty("corporate_adoption", "low", "book"),
        ),
        onboarding_now=Counter(a.segment for a in active if a.phase == "onboarding"),
    )

    # when
    now = capacity_plan(params, as_of=AS_OF, months=0)[0]

    # then a believable hiring number, the same from the plan and from the team loads
    hiring = {need.team: need.hiring_need for need in now.teams}
    assert hiring == {code: pool.hiring_need for code, pool in pools.items()}
    assert 0 <= sum(hiring.values()) <= 3
    assert {need.team: need.needed_ceil for need in now.teams} == {
        code: pool.needed for code, pool in pools.items()
    }


def test_books_follow_the_weights(dataset: DemoDataset) -> None:
    # given / when
    books = {c.csm_id: c.accounts for c in _loads(dataset)}
    names = {index: u.username for index, u in enumerate(dataset.users)}
    by_name = {names[csm_id]: n for csm_id, n in books.items()}

    # then seniors carry more than the newest hire of their team
    assert by_name["sato.k"] > by_name["kato.s"] > by_name["fukuda.n"]
    assert by_name["ikeda.t"] > by_name["abe.m"] > by_name["miura.d"]
    assert set(BOOK_WEIGHTS) <= set(by_name)
