"""The funnels page and API on a small book in the database: exact figures, CSV for every
table, the personas, bad parameters answered 4xx with a machine-readable error, and the
shared node equal to the onboarding dashboard's funnel."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.customers.models import Account
from kizuna.apps.funnels.selectors import funnel_data
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.onboarding.selectors import kpi_frame
from kizuna.apps.onboarding.services import template_version_create
from kizuna.apps.org.services import api_token_create
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.onboarding import kpis
from kizuna.core.onboarding.timeline import CriterionSpec, PhaseSpec
from tests.factories import AccountFactory, SubscriptionLineFactory, World

D = dt.date
JAN, FEB = D(2024, 1, 1), D(2024, 2, 1)
RANGE = {"first": "2024-01", "last": "2024-02"}
#: January's rates: handed over 2/3, on time 1/2, adopted 2/2, renewed 2/3, expanded 1/3
JAN_RATES = [str(2 / 3), "0.5", "1.0", str(2 / 3), str(1 / 3)]


def _onboarding(account: Account, world: World, template: Any, **days: Any) -> None:
    Onboarding.objects.create(
        account=account,
        product=world.product,
        template=template,
        state="completed" if days.get("completed_on") else "in_progress",
        state_since=days["started_on"],
        **days,
    )


@pytest.fixture
def book(world: World) -> dict[str, Account]:
    """A (high touch) on time and renewed; B (low touch) a week late, churned at its first
    renewal; C (tech touch) without onboarding or renewing line, expanded in June 2024."""
    template = template_version_create(
        actor=None,
        product=world.product,
        phases=[PhaseSpec("キックオフ", "Kickoff", 7, (CriterionSpec("実施", "Held"),))],
        note="v1",
    )
    accounts = {
        name: AccountFactory(name=f"株式会社{name}", segment=segment, channel="direct")
        for name, segment in (("A", "high"), ("B", "low"), ("C", "tech"))
    }
    a, b, c = accounts["A"], accounts["B"], accounts["C"]
    for account, start, end, mrr in (
        (a, D(2024, 1, 1), None, 100),
        (b, D(2024, 1, 10), D(2025, 1, 10), 50),
        (c, D(2024, 1, 20), None, 30),
        (c, D(2024, 6, 1), None, 10),
    ):
        SubscriptionLineFactory(
            account=account,
            product=world.product,
            billing_amount=mrr,
            start_date=start,
            end_date=end,
        )
    on_time = {"target_on": D(2024, 3, 1), "completed_on": D(2024, 2, 15)}
    _onboarding(a, world, template, started_on=D(2024, 1, 1), **on_time)
    late = {"target_on": D(2024, 3, 1), "completed_on": D(2024, 3, 8)}
    _onboarding(b, world, template, started_on=D(2024, 1, 10), **late)
    Renewal.objects.create(account=a, date=D(2025, 1, 1), mrr_due=100, outcome="renewed")
    Renewal.objects.create(account=b, date=D(2025, 1, 10), mrr_due=50, outcome="churned")
    return accounts


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_page_shows_both_funnels_in_japanese_by_default(world: World, book: Any) -> None:
    # given a viewer
    client = Client()
    client.force_login(world.viewer)
    # when they open the funnels of January and February 2024
    response = client.get("/funnels/", RANGE)
    # then both funnels are there, in Japanese, with the January cohort's figures
    assert response.status_code == 200
    page = response.content.decode()
    assert "顧客数ベースのCSファネル" in page and "収益ベースのCSファネル" in page
    assert 'id="funnels-as-of"' in page
    rows = response.context["account_rows"]
    assert [(r.cohort_month, r.contracted, r.renewed) for r in rows] == [
        (FEB, 0, 0),
        (JAN, 3, 2),
    ]


def test_every_table_downloads_as_csv(world: World, book: Any) -> None:
    client = Client()
    client.force_login(world.manager)
    accounts = _csv(client.get("/funnels/", {**RANGE, "format": "csv", "table": "accounts"}))
    assert accounts[0][:4] == ["cohort_month", "contracted", "handed_over", "onboarded_on_time"]
    # January: 3 contracted, A and B handed over, A on time, both adopted; renewed A and C
    # (active at the end of January 2025) of 3; C expanded; February empty, rates empty
    assert accounts[1:] == [
        ["2024-01", "3", "2", "1", "2", "2", "3", "2", "3", "1", *JAN_RATES],
        ["2024-02", "0", "0", "0", "0", "0", "0", "0", "0", "0", "", "", "", "", ""],
    ]
    revenue = _csv(client.get("/funnels/", {**RANGE, "format": "csv", "table": "revenue"}))
    # new 180; at the end of January 2025: A 100, B 0, C 40
    assert revenue[1] == [
        "2024-01",
        "3",
        "180",
        "3",
        "180",
        "50",
        "0",
        "130",
        "10",
        "140",
        *(str(n / 180) for n in (130, 10, 140)),
    ]
    assert revenue[2][5:10] == ["", "", "", "", ""]
    by_cut = {**RANGE, "cut": "segment", "format": "csv"}
    totals = _csv(client.get("/funnels/", {**by_cut, "table": "account_totals"}))
    assert [(row[0], row[1]) for row in totals[1:]] == [("high", "1"), ("low", "1"), ("tech", "1")]
    money = _csv(client.get("/funnels/", {**by_cut, "table": "revenue_totals"}))
    assert [(row[0], row[2]) for row in money[1:]] == [
        ("high", "100"),
        ("low", "50"),
        ("tech", "30"),
    ]
    assert client.get("/funnels/", {"format": "csv", "table": "nope"}).status_code == 404


@pytest.mark.parametrize("persona", ["csm", "manager", "viewer", "admin", "outsider"])
def test_every_member_reads_the_funnels(world: World, persona: str) -> None:
    client = Client()
    client.force_login(getattr(world, persona))
    assert client.get("/funnels/").status_code == 200


def test_a_visitor_is_sent_to_sign_in(world: World) -> None:
    response = Client().get("/funnels/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "params",
    [
        {"first": "2025-03", "last": "2024-01"},
        {"first": "1999-12"},
        {"first": "2000-01", "last": "2012-01"},
        {"cut": "colour"},
        {"first": "9999-99"},
    ],
)
def test_bad_filters_are_a_400_with_the_default_figures(world: World, params: Any) -> None:
    client = Client()
    client.force_login(world.viewer)
    response = client.get("/funnels/", params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_api_returns_both_funnels(world: World, book: Any) -> None:
    _token, raw = api_token_create(user=world.viewer, name="bi")
    auth = {"Authorization": f"Bearer {raw}"}
    params = {"from": "2024-01-15", "to": "2024-01-31", "cut": "segment"}
    accounts = Client().get("/api/v1/funnels/accounts", params, headers=auth)
    assert accounts.status_code == 200
    assert [(r["value"], r["contracted"], r["renewal_rate"]) for r in accounts.json()] == [
        ("high", 1, 1.0),
        ("low", 1, 0.0),
        ("tech", 1, 1.0),
    ]
    revenue = Client().get(
        "/api/v1/funnels/revenue", {"from": "2024-01-01", "to": "2024-02-01"}, headers=auth
    )
    rows = revenue.json()
    assert [(r["cohort_month"], r["new_mrr"], r["net_mrr"], r["retained_rate"]) for r in rows] == [
        ("2024-01-01", 180, 140, pytest.approx(130 / 180)),
        ("2024-02-01", 0, None, None),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2024-03-01", "to": "2024-01-01"},
        {"from": "1999-01-01"},
        {"to": "2100-01-01"},
        {"cut": "csm"},
        {"from": "2000-01-01", "to": "2099-12-31"},
        {"from": "nonsense"},
    ],
)
def test_bad_api_parameters_are_a_400(world: World, params: Any) -> None:
    _token, raw = api_token_create(user=world.viewer, name="bi")
    for path in ("/api/v1/funnels/accounts", "/api/v1/funnels/revenue"):
        response = Client().get(path, params, headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 400
        assert response.json()["error"]["code"] in {"invalid", "bad_request"}


def test_the_api_needs_a_token(world: World) -> None:
    response = Client().get("/api/v1/funnels/accounts")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_shared_node_equals_the_onboarding_dashboards_funnel(world: World, book: Any) -> None:
    # given the onboarding dashboard's own input and funnel (one product per new account, no
    # cross-sell in January: the case where the two must agree)
    today = tenant_today()
    onboarding = kpis.onboarding_funnel(
        kpi_frame(as_of=today), as_of=today, first_month=JAN, last_month=JAN
    ).row(0, named=True)
    # when the account funnel is read for the same cohort
    mine = funnel_data(as_of=today, first_month=JAN, last_month=JAN, cut=None).accounts.row(
        0, named=True
    )
    # then handed over and on time are the same figures
    assert (
        (mine["handed_over"], mine["onboarded_on_time"])
        == (
            onboarding["handed_over"],
            onboarding["completed_on_time"],
        )
        == (2, 1)
    )
