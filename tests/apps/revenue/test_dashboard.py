"""The revenue dashboard: every member reads it from the snapshots, in a fixed number of
queries; each chart downloads as CSV; only CS ops admins set targets."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.apps.front.charts.colour import heat_bin
from kizuna.apps.revenue.dashboard import DashboardFilters, csv_table, revenue_dashboard
from kizuna.apps.revenue.models import RevenueTarget
from kizuna.apps.revenue.services import revenue_snapshots_refresh
from tests.apps.revenue.conftest import AS_OF
from tests.factories import World

URL = "/revenue/"
PERSONAS = ["csm", "teammate", "manager", "outsider", "viewer", "admin"]


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def download(client: Client, chart: str, **params: str) -> list[list[str]]:
    response = client.get(URL, {"format": "csv", "chart": chart, **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def snapshots(world: World, book: dict[str, Any]) -> World:
    revenue_snapshots_refresh(as_of=AS_OF)
    return world


def test_the_nav_links_to_the_dashboard(world: World) -> None:
    body = client_for(world.viewer).get(reverse("customers:account_list")).content.decode()
    assert f'href="{URL}"' in body


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_member_reads_the_dashboard_in_a_fixed_number_of_queries(
    snapshots: World, persona: str
) -> None:
    # given a member and the snapshots of the small book
    client = client_for(getattr(snapshots, persona))
    client.get(URL)
    # when they open the dashboard, whole company and cut by segment
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    with CaptureQueriesContext(connection) as cut_queries:
        cut = client.get(URL, {"segment": "low", "cohort": "revenue"})
    # then both render from the snapshot tables only, in the same fixed number of queries
    assert response.status_code == 200
    assert cut.status_code == 200
    body = response.content.decode()
    assert "収益・リテンション" in body
    assert "MRR推移" in body  # the bridge heading
    assert "¥170" in body  # MRR of April
    assert '<option value="24" selected>' in cut.content.decode().replace('"36" selected', "")
    # 12 with the time the snapshots were computed ("as of") and the bell's unread count
    assert len(queries) == len(cut_queries) == 12, [q["sql"] for q in queries.captured_queries]
    assert 'id="revenue-as-of"' in body
    assert all("customers_subscriptionline" not in q["sql"] for q in queries.captured_queries)


def test_it_tells_an_admin_how_to_fill_an_empty_dashboard(world: World) -> None:
    body = client_for(world.admin).get(URL).content.decode()
    assert "kizuna manage run_jobs --once" in body


def test_it_refuses_two_dimensions_at_once_and_shows_the_company(snapshots: World) -> None:
    response = client_for(snapshots.csm).get(URL, {"segment": "low", "channel": "direct"})
    assert response.status_code == 200
    assert "一度に1つ" in response.content.decode()


def test_the_mrr_chart_downloads_as_csv(snapshots: World) -> None:
    # when the MRR chart's figures are downloaded
    table = download(client_for(snapshots.viewer), "mrr")
    # then the header and the months of the small book come back (ARPA/LTV rounded; empty =
    # undefined)
    assert table == [
        ["month", "total_mrr", "net_new_mrr", "active_customers", "arpa", "ltv"],
        ["2024-01", "180", "180", "3", "60", ""],
        ["2024-02", "220", "40", "4", "55", ""],
        ["2024-03", "170", "-50", "3", "57", "453"],
        ["2024-04", "170", "0", "3", "57", "680"],
    ]


def test_the_bridge_and_the_segment_churn_download_as_csv(snapshots: World) -> None:
    client = client_for(snapshots.viewer)
    # when the bridge of March's segment "low" is downloaded... the last month is April
    assert download(client, "bridge", segment="low") == [
        ["month", "step", "amount"],
        ["2024-04", "start", "60"],
        ["2024-04", "new", "0"],
        ["2024-04", "expansion", "0"],
        ["2024-04", "reactivation", "0"],
        ["2024-04", "contraction", "0"],
        ["2024-04", "churn", "0"],
        ["2024-04", "end", "60"],
    ]
    churn = download(client, "churn")
    assert churn[0] == [
        "segment",
        "month",
        "logo_churn_rate",
        "gross_mrr_churn_rate",
        "logo_churn_target",
    ]
    assert ["low", "2024-03", "0.5", "0.5555555555555556", ""] in churn
    cohorts = download(client, "cohorts")
    assert cohorts[1] == ["2024-01", "0", "3", "3", "1.0", "180", "180", "1.0"]


def test_an_unknown_chart_is_404(snapshots: World) -> None:
    response = client_for(snapshots.viewer).get(URL, {"format": "csv", "chart": "nope"})
    assert response.status_code == 404


TARGETS = {"segment": "high", "logo_churn_rate": "0.5", "grr_12m": "95", "nrr_12m": "110"}


def test_an_admin_saves_targets_as_percentages(world: World) -> None:
    # when the CS ops admin saves the high-touch targets
    response = client_for(world.admin).post(reverse("revenue:targets_save"), TARGETS)
    # then they are stored as fractions, and the dashboard lists them
    assert response.status_code == 302
    target = RevenueTarget.objects.get(segment="high")
    assert (target.logo_churn_rate, target.grr_12m, target.nrr_12m) == (0.005, 0.95, 1.1)
    assert target.updated_by == world.admin
    assert "95.0%" in client_for(world.admin).get(URL).content.decode()


@pytest.mark.parametrize("persona", ["csm", "teammate", "manager", "outsider", "viewer"])
def test_only_an_admin_may_save_targets(world: World, persona: str) -> None:
    response = client_for(getattr(world, persona)).post(reverse("revenue:targets_save"), TARGETS)
    assert response.status_code == 403
    assert not RevenueTarget.objects.exists()
    assert 'id="target-form"' not in client_for(getattr(world, persona)).get(URL).content.decode()


def test_a_grr_target_over_100_percent_is_refused_in_japanese(world: World) -> None:
    # when the admin types a GRR target of 150 %
    response = client_for(world.admin).post(
        reverse("revenue:targets_save"), {**TARGETS, "grr_12m": "150"}
    )
    # then the form says why, in Japanese, and nothing is saved
    assert response.status_code == 400
    body = response.content.decode()
    assert "0〜100の範囲のパーセントで入力してください。" in body
    assert "まだ何も保存されていません" in body
    assert not RevenueTarget.objects.exists()


def test_the_scorecard_and_the_heatmap_are_typed_rows(snapshots: World) -> None:
    # when the dashboard of the small book is read for the last 12 months
    data = revenue_dashboard(filters=DashboardFilters(months=12), currency="JPY")
    # then each segment has its score: b churned in March, so low touch lost a logo
    assert data is not None
    assert [(s.segment, s.label, s.mrr, s.customers) for s in data.scorecard] == [
        ("high", "ハイタッチ", 100, 1),
        ("low", "ロータッチ", 60, 1),
        ("tech", "テックタッチ", 10, 1),
    ]
    assert data.scorecard[1].churn == pytest.approx(1 / 6)
    assert (data.scorecard[1].churn_ok, data.scorecard[1].grr) == (None, None)
    # and each cohort has a cell per month since its start: a, b, d from January (b gone in
    # March), c from February
    january, february = data.heatmap
    assert (january.cohort, january.customers, january.mrr) == (dt.date(2024, 1, 1), 3, 180)
    assert [(c.label, c.title) for c in january.cells[:4] if c] == [
        ("100", "2024年1月: 100.0% (3/3)"),
        ("100", "2024年2月: 100.0% (3/3)"),
        ("67", "2024年3月: 66.7% (2/3)"),
        ("67", "2024年4月: 66.7% (2/3)"),
    ]
    assert january.cells[4:] == [None] * 8 and len(february.cells) == 12
    third = january.cells[2]
    assert third is not None
    assert (third.fill, third.ink) == (heat_bin(2 / 3).fill, heat_bin(2 / 3).ink)


def test_a_chart_without_snapshots_downloads_its_header_only() -> None:
    assert csv_table("bridge", None) == (["month", "step", "amount"], [])
    assert csv_table("cohorts", None)[0][:2] == ["cohort_month", "months_since_start"]
