"""GET /api/v1/reports/monthly/{YYYY-MM}: the report's figures as JSON, the same as the page;
malformed months 400, months not over 404, CSMs 403, never 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.diagnosis.models import DiagnosisFinding
from kizuna.apps.diagnosis.services import diagnosis_run
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from tests.factories import World

pytestmark = pytest.mark.django_db


def get(user: User, path: str) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    return Client().get("/api/v1" + path, headers={"Authorization": f"Bearer {raw}"})


def test_the_figures_of_march(month_data: dict[str, Any]) -> None:
    world: World = month_data["world"]
    response = get(world.viewer, "/reports/monthly/2024-03")
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2024-03" and body["currency"] == "JPY"
    assert [(s["key"], s["amount"]) for s in body["bridge"]] == [
        ("start", 220), ("new", 0), ("expansion", 20), ("reactivation", 0),
        ("contraction", -20), ("churn", -50), ("end", 170),
    ]  # fmt: skip
    company = body["company"]
    assert (company["start_mrr"], company["end_mrr"], company["net_new_mrr"]) == (220, 170, -50)
    low = next(s for s in body["segments"] if s["segment"] == "low")
    assert (low["churn_mrr"], low["expansion_mrr"], low["logo_churn_rate"]) == (50, 20, 0.5)
    assert [(r["account_name"], r["mrr"], r["turned_red"]) for r in body["risks"]] == [
        ("株式会社A", 100, True),
        ("株式会社D", 30, False),
    ]
    assert body["risks"][1]["renewal_date"] == "2024-05-10"
    assert body["risks"][1]["forecast_call"] == "at_risk"
    assert [(s["account_name"], s["closed_on"]) for s in body["saves"]] == [
        ("株式会社C", "2024-03-01")
    ]
    assert (body["save_count"], body["saved_mrr"], body["risk_count"]) == (1, 60, 2)
    assert body["as_of"]["health_day"] == "2024-03-31"
    kpis = {k["key"]: k for k in body["kpis"]["kpis"]}
    assert "logo_churn_monthly" in kpis and body["kpis"]["fiscal_year"] == 2023
    assert body["diagnosis"] == {
        "day": None,
        "phase": None,
        "level": None,
        "next_fixes": [],
        "changes": None,
    }


def test_the_diagnosis_of_march(month_data: dict[str, Any]) -> None:
    # given two runs: the eve of March (the ops team rule failing) and its last day
    eve = diagnosis_run(day=dt.date(2024, 2, 29))
    DiagnosisFinding.objects.filter(run=eve, rule_key="ops_team").update(holds=False)
    diagnosis_run(day=dt.date(2024, 3, 31))
    # when / then
    body = get(month_data["world"].manager, "/reports/monthly/2024-03").json()["diagnosis"]
    assert body["day"] == "2024-03-31" and body["phase"] and body["level"]
    assert len(body["next_fixes"]) <= 3
    changes = body["changes"]
    assert (changes["since_day"], changes["latest_day"]) == ("2024-02-29", "2024-03-31")
    assert [(c["key"], c["before"], c["after"]) for c in changes["changes"]] == [
        ("ops_team", False, True)
    ]


def test_a_month_without_snapshots(world: World) -> None:
    body = get(world.manager, "/reports/monthly/2020-01").json()
    assert body["company"] is None and body["bridge"] == [] and body["segments"] == []


@pytest.mark.parametrize(
    ("month", "status", "code"),
    [
        ("2026-13", 400, "invalid"),
        ("0000-01", 400, "invalid"),
        ("2024-3", 400, "invalid"),
        ("2024-03-01", 400, "invalid"),
        ("abcd", 400, "invalid"),
        ("9999-12", 404, "not_found"),
        (f"{dt.date.today().year + 1}-01", 404, "not_found"),
    ],
)
def test_bad_months(world: World, month: str, status: int, code: str) -> None:
    response = get(world.admin, f"/reports/monthly/{month}")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(("persona", "status"), [("csm", 403), ("manager", 200), ("admin", 200)])
def test_who_reads_it(world: World, persona: str, status: int) -> None:
    response = get(getattr(world, persona), "/reports/monthly/2024-03")
    assert response.status_code == status
