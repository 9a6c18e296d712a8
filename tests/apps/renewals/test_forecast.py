"""The renewal forecast from the database: renewals and stored grades read as frames, the
calibration (priors worth 10 renewals), this quarter's forecast beside the CSMs' calls, the
backtest of past quarters; the page (personas, CSV, Japanese), the API (4xx on bad input)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.renewals.forecast import (
    asked_grades,
    forecast_compute,
    grade_frame,
    renewal_frame,
)
from kizuna.apps.renewals.models import Renewal
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 5, 15)  # FY2026 Q1 (April start): 2026-04-01 … 2026-06-30


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    from kizuna.apps.renewals import api_forecast, views_forecast

    for module in (views_forecast, api_forecast):
        monkeypatch.setattr(module, "tenant_today", lambda *args: TODAY)
    cache.clear()


@pytest.fixture
def book(world: World) -> dict[str, Any]:
    """A (high, grade 5) renewed in 2025 and is called commit now; B (high, grade 1) churned
    in 2025 and is called likely now (it came back); C (low, never graded) renewed 50 → 60 on
    2026-04-10; a renewal no longer due is left out."""
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption")
    a = AccountFactory(segment="high", owner=world.csm, team=world.strategic)
    b = AccountFactory(segment="high", owner=world.outsider, team=world.other_team)
    c = AccountFactory(segment="low", owner=world.csm, team=world.strategic)
    rows = [
        (a, D(2025, 6, 1), 100, 100, "renewed", ""),
        (b, D(2025, 6, 1), 100, 0, "churned", ""),
        (c, D(2026, 4, 10), 50, 60, "renewed", ""),
        (a, D(2026, 6, 1), 100, None, "", "commit"),
        (b, D(2026, 6, 10), 200, None, "", "likely"),
    ]
    for account, day, due, after, outcome, call in rows:
        Renewal.objects.create(
            account=account, date=day, mrr_due=due, mrr_after=after, outcome=outcome,
            stage=outcome or "not_started", forecast_call=call,
        )  # fmt: skip
    Renewal.objects.create(account=c, date=D(2026, 5, 1), mrr_due=999, no_longer_due=True)
    grades = [(a, D(2025, 3, 3), 5), (b, D(2025, 3, 3), 1), (a, TODAY, 5), (b, TODAY, 1)]
    HealthScore.objects.bulk_create(
        HealthScore(account=acc, day=day, model=model, score=50, grade=g) for acc, day, g in grades
    )
    return {"a": a, "b": b, "c": c}


def test_the_quarters_forecast_from_the_database(book: dict[str, Any]) -> None:
    # when
    found = forecast_compute(today=TODAY)
    # then overall p = (2 + 10·0.9) / 13; grade 5 = (1 + 10·11/13) / 11; cell (5, high)
    # = (1 + 10·p5) / 11; grade 1 = 10·(11/13) / 11; cell (1, high) = 10·p1 / 11
    p0 = 11 / 13
    p5 = (1 + 10 * p0) / 11
    p_a = (1 + 10 * p5) / 11
    p_b = 10 * (10 * p0 / 11) / 11
    e0 = 10 / 900  # expansion 10 over 150 due + the prior 10 × 75
    e_a = 1000 * (1000 * e0 / 1100) / 1100
    calibration = found.calibration
    assert (calibration.overall.renewals, calibration.overall.p) == (3, pytest.approx(p0))
    assert calibration.rates(5, "high").p == pytest.approx(p_a)
    assert calibration.rates(1, "high").p == pytest.approx(p_b)
    assert calibration.rates(None, "low").renewals == 1  # C was ungraded 90 days before
    this, following = found.quarters
    assert (this.quarter.key, following.quarter.key) == ("2026Q1", "2026Q2")
    assert (this.renewals, this.closed, this.open, this.without_call) == (3, 1, 2, 0)
    assert this.mrr_due == 350
    assert this.kizuna_grr == pytest.approx((50 + p_a * 100 + p_b * 200) / 350)
    assert this.kizuna_nrr == pytest.approx(
        (60 + p_a * (1 + e_a) * 100 + p_b * (1 + e0) * 200) / 350
    )
    assert (this.commit_grr, this.likely_grr) == pytest.approx((150 / 350, 1.0))
    assert (this.commit_nrr, this.likely_nrr) == pytest.approx((160 / 350, 360 / 350))
    assert (following.renewals, following.kizuna_grr) == (0, None)
    assert found.ungraded_open == 0


def test_the_backtest_replays_past_quarters_from_their_first_day(book: dict[str, Any]) -> None:
    # when
    found = forecast_compute(today=TODAY).backtest
    # then FY2024 Q1 … FY2025 Q4; only FY2025 Q1 had renewals: forecast at the base 0.9
    # (no history before 2025-04-01), actual 100 of 200 kept
    assert [q.quarter.key for q in found.quarters][0::7] == ["2024Q1", "2025Q4"]
    q = next(q for q in found.quarters if q.renewals)
    assert (q.quarter.key, q.renewals, q.mrr_due) == ("2025Q1", 2, 200)
    assert (q.forecast_grr, q.actual_grr, q.actual_nrr) == pytest.approx((0.9, 0.5, 0.5))
    assert found.grr_mae == pytest.approx(0.4)
    assert [(r.grade, r.segment, r.renewals, r.actual) for r in found.reliability] == [
        (1, "high", 1, 0.0),
        (5, "high", 1, 1.0),
    ]
    assert found.brier == pytest.approx((0.1**2 + 0.9**2) / 2)


def test_no_renewal_at_all_gives_an_empty_forecast(world: World) -> None:
    found = forecast_compute(today=TODAY)
    assert found.calibration.overall.p == 0.9
    assert [q.renewals for q in found.quarters] == [0, 0]
    assert found.backtest.brier is None


def test_only_the_grades_asked_for_are_read_and_they_give_the_same_forecast(
    world: World,
) -> None:
    """Each question (account, day) is answered by its latest non-empty grade in the 30 days
    up to the day: grades at the window's edges, an empty grade later in the window, grades
    nobody asks for, a renewal at the start of the calendar."""
    # given: one account renewing 2025-06-01 (asked 2025-03-03: window 2025-02-01 … 03-03;
    # and 2025-04-01, the first day of its backtested quarter) and 2026-06-01 (open: graded
    # today); another renewing in the backtested quarter from 2025-07-01 and on 0001-04-01
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption")
    a, b = world.account, world.other_account
    for account, day, due, after in [
        (a, D(2025, 6, 1), 100, 100), (a, D(2026, 6, 1), 100, None),
        (b, D(2025, 8, 1), 100, 0), (b, D(1, 4, 1), 5, 5),
    ]:  # fmt: skip
        Renewal.objects.create(
            account=account, date=day, mrr_due=due, mrr_after=after,
            stage="renewed" if after else "not_started",
        )  # fmt: skip
    grades = [
        (a, D(2025, 1, 31), 1),  # one day too early for 2025-06-01
        (a, D(2025, 2, 1), 2),  # the window's first day: not the latest
        (a, D(2025, 3, 3), 3),  # the window's last day: the answer
        (a, D(2025, 3, 4), 4),  # one day too late; a's grade at 2025Q1's start (2025-04-01)
        (a, D(2026, 4, 15), 5),  # today's grade of a (latest non-empty before 2026-05-15)
        (a, D(2026, 5, 14), None),  # empty: never an answer
        (b, D(2025, 6, 1), 1),  # 2025-07-01 − 30 days: b's grade at 2025Q3's start
        (b, D(2025, 5, 31), 2),  # one day too early for it, and for b's lead (2025-05-03)
        (b, D(2025, 4, 20), 3),  # b's grade 90 days before 2025-08-01 (window 04-03 … 05-03)
        (b, D(2024, 1, 1), 4),  # asked by nobody
    ]
    HealthScore.objects.bulk_create(
        HealthScore(account=acc, day=day, model=model, score=50, grade=g) for acc, day, g in grades
    )
    # when
    asked = asked_grades(today=TODAY, start_month=4)
    # then: exactly the answers
    assert sorted(asked.rows()) == sorted([
        (a.pk, D(2025, 3, 3), 3), (a.pk, D(2025, 3, 4), 4), (a.pk, D(2026, 4, 15), 5),
        (b.pk, D(2025, 6, 1), 1), (b.pk, D(2025, 4, 20), 3),
    ])  # fmt: skip
    # and the forecast on them is the forecast on every stored grade
    everything = forecast_compute(today=TODAY, renewals=renewal_frame(), grades=grade_frame())
    found = forecast_compute(today=TODAY)
    assert replace(found, computed_at=everything.computed_at) == everything


def test_no_renewal_asks_for_no_grade(world: World) -> None:
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption")
    HealthScore.objects.create(account=world.account, day=TODAY, model=model, score=5, grade=5)
    assert asked_grades(today=TODAY, start_month=4).rows() == []
    assert asked_grades(today=D(1, 4, 1), start_month=4).rows() == []  # no quarter before


@pytest.mark.parametrize("who", ["csm", "outsider", "manager", "viewer", "admin"])
def test_every_member_reads_the_whole_forecast_page(
    world: World, book: dict[str, Any], who: str
) -> None:
    client = Client()
    client.force_login(getattr(world, who))
    page = client.get("/renewals/forecast/")
    assert page.status_code == 200
    text = page.content.decode()
    # the CSMs' call for the whole quarter, not only their own renewals: 100 % with likely
    assert "2026年度 Q1" in text and "2025年度 Q1" in text
    assert "100.0%" in text and "信頼性" in text and "<svg" in text


def test_a_visitor_is_sent_to_sign_in(book: dict[str, Any]) -> None:
    page = Client().get("/renewals/forecast/")
    assert page.status_code == 302 and "/login" in page["Location"]


def test_each_table_downloads_as_csv(world: World, book: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world.viewer)
    quarters = client.get("/renewals/forecast/?format=csv&table=quarters")
    lines = quarters.content.decode().splitlines()
    assert lines[0].startswith("quarter,first_day,last_day,as_of,renewals,closed,open")
    assert lines[1].startswith("2026Q1,2026-04-01,2026-06-30,2026-05-15,3,1,2,0,350,")
    assert lines[2].startswith("2026Q2,2026-07-01,2026-09-30,2026-05-15,0,0,0,0,0,,,,")
    reliability = client.get("/renewals/forecast/?format=csv&table=reliability")
    assert reliability.content.decode().splitlines()[1:] == ["1,high,1,0.9,0.0", "5,high,1,0.9,1.0"]
    backtest = client.get("/renewals/forecast/?format=csv&table=backtest").content.decode()
    assert "2025Q1,2025-04-01,2025-06-30,2,200,1.8,1,0.9,0.5,0.9,0.5" in backtest
    calibration = client.get("/renewals/forecast/?format=csv&table=calibration")
    assert calibration.content.decode().splitlines()[-1].startswith(",low,1,1,1.0,")
    assert client.get("/renewals/forecast/?format=csv&table=nope").status_code == 404


def api(user: User, path: str) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    return Client().get("/api/v1" + path, headers={"Authorization": f"Bearer {raw}"})


def test_the_api_gives_a_quarters_forecast_and_the_calibration(
    world: World, book: dict[str, Any]
) -> None:
    this = api(world.csm, "/renewals/forecast").json()
    assert (this["quarter"], this["renewals"], this["mrr_due"], this["commit_grr"]) == (
        "2026Q1", 3, 350, pytest.approx(150 / 350),
    )  # fmt: skip
    past = api(world.viewer, "/renewals/forecast?quarter=2025q1").json()
    assert (past["quarter"], past["closed"], past["open"], past["kizuna_grr"]) == (
        "2025Q1", 2, 0, 0.5,
    )  # fmt: skip
    calibration = api(world.viewer, "/renewals/calibration").json()
    assert calibration["renewals"] == 3 and calibration["brier"] == pytest.approx(0.41)
    assert [q["quarter"] for q in calibration["past_quarters"]][-1] == "2025Q4"
    assert {(c["grade"], c["touch_model"]) for c in calibration["cells"]} == {
        (5, "high"), (1, "high"), (None, "low"),
    }  # fmt: skip


@pytest.mark.parametrize(
    "quarter", ["2026Q5", "Q1", "abc", "20261Q1", "0Q1", "9999Q4", "2026Q1; drop", "%00"]
)
def test_a_bad_quarter_is_a_machine_readable_400(world: World, quarter: str) -> None:
    answer = api(world.csm, "/renewals/forecast?" + f"quarter={quarter}")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] in {"invalid", "bad_request"}


def test_the_api_needs_a_token(world: World) -> None:
    answer = Client().get("/api/v1/renewals/calibration")
    assert answer.status_code == 401
    assert json.loads(answer.content)["error"]["code"] == "unauthenticated"


def test_the_demo_calls_open_renewals_mostly_by_grade(world: World, book: dict[str, Any]) -> None:
    # given the book's two open renewals called; their calls cleared
    from kizuna.apps.renewals.demo_forecast import _calls

    Renewal.objects.update(forecast_call="")
    # when the demo calls the open renewals of the next 180 days
    called = _calls(TODAY, seed=15)
    # then each open one is called or left empty, never a closed one
    calls = dict(Renewal.objects.filter(date__gt=TODAY).values_list("date", "forecast_call"))
    assert called == sum(1 for call in calls.values() if call)
    assert set(calls.values()) <= {"", "commit", "likely", "at_risk", "lost"}
    assert set(Renewal.objects.filter(date__lte=TODAY).values_list("forecast_call", flat=True)) == {
        ""
    }
