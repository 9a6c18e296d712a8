"""The monthly report's page: exact figures of the small book, the same as the revenue page's
for the month, the risks and saves of the month, hostile month strings, permissions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.diagnosis.models import DiagnosisFinding
from kizuna.apps.diagnosis.services import diagnosis_run
from kizuna.apps.kpis.selectors import kpi_home
from kizuna.apps.kpis.services import kpi_snapshots_refresh
from kizuna.apps.reports.selectors import (
    last_complete_month,
    monthly_report,
    parse_month,
    report_month,
)
from kizuna.apps.tenant.selectors import tenant_today
from tests.factories import World

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
MAR, APR = dt.date(2024, 3, 1), dt.date(2024, 4, 1)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(rate: float | None) -> str:
    """A rate as the CSV writes it ("" when undefined)."""
    return "" if rate is None else str(rate)


def revenue_csv(client: Client, chart: str) -> list[dict[str, str]]:
    response = client.get("/revenue/", {"format": "csv", "chart": chart})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_march_figures_of_the_small_book(month_data: dict[str, Any]) -> None:
    # given the small book's snapshots, when March's report is read
    report = monthly_report(month=MAR, currency="JPY", zone=TOKYO, fiscal_start_month=4)
    # then the bridge is 220 + 20 expansion − 20 contraction − 50 churn = 170
    assert [(s.key, s.amount) for s in report.bridge] == [
        ("start", 220), ("new", 0), ("expansion", 20), ("reactivation", 0),
        ("contraction", -20), ("churn", -50), ("end", 170),
    ]  # fmt: skip
    assert report.company is not None and report.company.net_new_mrr == -50
    # and each touch model's month
    segments = {row.segment: row for row in report.segments}
    assert list(segments) == ["high", "low", "tech"]
    low, tech = segments["low"], segments["tech"]
    assert (low.start_mrr, low.expansion_mrr, low.churn_mrr, low.end_mrr) == (90, 20, 50, 60)
    assert (low.churned_customers, low.logo_churn_rate) == (1, 0.5)
    assert (tech.start_mrr, tech.contraction_mrr, tech.end_mrr) == (30, 20, 10)
    assert segments["high"].end_mrr == 100
    # and the risks: a turned red (100), d's renewal at risk (30 due); c was red already
    assert [(r.account.name, r.mrr, r.turned_red, r.renewal is not None) for r in report.risks] == [
        ("株式会社A", 100, True, False),
        ("株式会社D", 30, False, True),
    ]
    # and the saves: c's, closed at 00:10 on 3/1 in Tokyo (2/29 in UTC)
    assert [(s.task.account.name, s.closed_on) for s in report.saves] == [
        ("株式会社C", dt.date(2024, 3, 1))
    ]
    assert (report.save_count, report.saved_mrr) == (1, 60)
    assert report.as_of.health_day == dt.date(2024, 3, 31)
    assert report.as_of.revenue is not None


def test_april_save_is_the_one_closed_after_midnight_in_tokyo(month_data: dict[str, Any]) -> None:
    report = monthly_report(month=APR, currency="JPY", zone=TOKYO, fiscal_start_month=4)
    assert [s.task.account.name for s in report.saves] == ["株式会社A"]
    # no score in April, so no turn to red; d's renewal on 5/10 is April's risk too
    assert [(r.account.name, r.turned_red) for r in report.risks] == [("株式会社D", False)]
    assert report.as_of.health_day is None


def test_the_report_equals_the_revenue_page_for_the_same_month(month_data: dict[str, Any]) -> None:
    # given a manager who opens the revenue page and the report of its month (April 2024)
    world: World = month_data["world"]
    client = client_for(world.manager)
    bridge = revenue_csv(client, "bridge")
    assert bridge[0]["month"] == "2024-04"
    report = monthly_report(month=APR, currency="JPY", zone=TOKYO, fiscal_start_month=4)
    # then the bridge steps are the same amounts
    assert [int(row["amount"]) for row in bridge] == [step.amount for step in report.bridge]
    # and for every month, the report's end MRR and net new MRR are the revenue page's
    for row in revenue_csv(client, "mrr"):
        month = dt.date.fromisoformat(row["month"] + "-01")
        page = client.get(f"/kpis/report/{row['month']}/")
        assert page.status_code == 200
        shown = monthly_report(month=month, currency="JPY", zone=TOKYO, fiscal_start_month=4)
        assert shown.company is not None
        assert shown.company.total_mrr == int(row["total_mrr"])
        assert shown.company.net_new_mrr == int(row["net_new_mrr"])
        body = page.content.decode()
        assert f'data-amount="{row["total_mrr"]}"' in body
        assert f'data-amount="{row["net_new_mrr"]}"' in body
    # and the churn rates by segment are the revenue page's
    churn = {(r["segment"], r["month"]): r for r in revenue_csv(client, "churn")}
    march = monthly_report(month=MAR, currency="JPY", zone=TOKYO, fiscal_start_month=4)
    for seg in march.segments:
        expected = churn[(seg.segment, "2024-03")]
        assert text(seg.logo_churn_rate) == expected["logo_churn_rate"]
        assert text(seg.gross_mrr_churn_rate) == expected["gross_mrr_churn_rate"]


def test_the_page_in_japanese_and_english(month_data: dict[str, Any]) -> None:
    world: World = month_data["world"]
    client = client_for(world.manager)
    body = client.get("/kpis/report/2024-03/").content.decode()
    assert "月次CSレポート 2024年3月" in body
    assert "今月の主なリスク" in body and "株式会社A" in body
    assert "¥170" in body and "ヘルスが赤に悪化" in body
    world.manager.language = "en"
    world.manager.save()
    body = client.get("/kpis/report/2024-03/").content.decode()
    assert "Monthly CS report, Mar 2024" in body
    assert "Top risks of the month" in body


def test_a_month_without_snapshots_says_so(world: World) -> None:
    body = client_for(world.viewer).get("/kpis/report/2020-01/").content.decode()
    assert "この月の売上スナップショットがありません" in body


def test_the_bare_address_opens_the_last_complete_month(world: World) -> None:
    response = client_for(world.admin).get("/kpis/report/")
    expected = last_complete_month(tenant_today())
    assert response.status_code == 302
    assert response["Location"] == f"/kpis/report/{expected:%Y-%m}/"


@pytest.mark.parametrize(
    "month",
    ["2026-13", "0000-01", "9999-12", "2024-00", "2024-3", "２０２４-03", "abcd-ef", "%00", "-1"],
)
def test_bad_months_are_not_found(world: World, month: str) -> None:
    client = client_for(world.manager)
    assert client.get(f"/kpis/report/{month}/").status_code == 404
    assert client.get(f"/kpis/report/{month}.pdf").status_code == 404


def test_month_parsing() -> None:
    assert parse_month("0001-01") == dt.date(1, 1, 1)
    assert parse_month("9999-12") == dt.date(9999, 12, 1)
    assert parse_month("0000-01") is None
    assert parse_month("2026-13") is None
    assert parse_month("2026-1") is None
    assert parse_month("２０２６-01") is None  # full-width digits are not a month
    today = dt.date(2026, 11, 30)
    assert report_month("2026-10", today=today) == dt.date(2026, 10, 1)
    assert report_month("2026-11", today=today) is None  # not over yet
    assert last_complete_month(dt.date(2027, 1, 4)) == dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 200), ("admin", 200), ("viewer", 200), ("csm", 403), ("teammate", 403)],
)
def test_who_reads_the_report(month_data: dict[str, Any], persona: str, status: int) -> None:
    world: World = month_data["world"]
    client = client_for(getattr(world, persona))
    assert client.get("/kpis/report/2024-03/").status_code == status
    nav = client.get("/accounts/").content.decode()
    assert ('href="/kpis/report/"' in nav) is (status == 200)


def test_signed_out_goes_to_the_login(world: World) -> None:
    response = Client().get("/kpis/report/2024-03/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_without_chromium_the_page_and_the_pdf_say_so(
    month_data: dict[str, Any], settings: Any
) -> None:
    # given a server without Chromium
    settings.CHROMIUM = "/nonexistent/chromium"
    client = client_for(month_data["world"].manager)
    # then the page says the PDF cannot be made, and the PDF address explains it (not a 500)
    page = client.get("/kpis/report/2024-03/").content.decode()
    assert 'id="report-no-pdf"' in page and "Chromiumが入っていません" in page
    response = client.get("/kpis/report/2024-03.pdf")
    assert response.status_code == 503
    assert "このサーバーではPDFを作れません" in response.content.decode()


def test_the_kpis_are_the_kpi_homes_for_the_month(month_data: dict[str, Any]) -> None:
    # given the KPI snapshots of the small book (the KPI job as of 2024-04-15)
    kpi_snapshots_refresh(today=dt.date(2024, 4, 15))
    # when March's report is read
    report = monthly_report(month=MAR, currency="JPY", zone=TOKYO, fiscal_start_month=4)
    lines = {line.key: line for line in report.kpis.lines}
    # then each KPI is the KPI home's company card as of March's end
    home = kpi_home(today=dt.date(2024, 3, 31), fiscal_start_month=4)
    assert [line.key for line in report.kpis.lines] == [card.key for card in home.cards]
    for card in home.cards:
        assert (lines[card.key].figure, lines[card.key].target) == (card.figure, card.target)
    # and March's monthly logo churn is the revenue snapshot's: 1 of 4 accounts
    churn = lines["logo_churn_monthly"]
    assert churn.figure == 0.25 and churn.figure_text == "25.0%"
    assert churn.period_label == "2024年3月"
    assert report.kpis.fiscal_year == 2023
    # and the page and the API show them
    client = client_for(month_data["world"].viewer)
    body = client.get("/kpis/report/2024-03/").content.decode()
    assert 'data-kpi="logo_churn_monthly"' in body and "KPIと目標" in body


def test_the_diagnosis_of_the_month_and_its_changes(month_data: dict[str, Any]) -> None:
    # given runs on the eve of March, its last day and in April; the ops team rule fails on
    # the eve only
    eve = diagnosis_run(day=dt.date(2024, 2, 29))
    DiagnosisFinding.objects.filter(run=eve, rule_key="ops_team").update(holds=False)
    diagnosis_run(day=dt.date(2024, 3, 31))
    diagnosis_run(day=dt.date(2024, 4, 30))
    # when March's report is read
    report = monthly_report(month=MAR, currency="JPY", zone=TOKYO, fiscal_start_month=4)
    # then it shows the run of 3/31 (not April's) and the verdict changed in March
    view, changes = report.diagnosis.view, report.diagnosis.changes
    assert view is not None and view.day == dt.date(2024, 3, 31)
    assert changes is not None
    assert (changes.since_day, changes.latest_day) == (dt.date(2024, 2, 29), dt.date(2024, 3, 31))
    assert [(c.key, c.before, c.after) for c in changes.changes] == [("ops_team", False, True)]
    body = client_for(month_data["world"].manager).get("/kpis/report/2024-03/").content.decode()
    assert "組織診断" in body and "2024-02-29 の診断から 2024-03-31 の診断まで" in body
    assert 'id="report-diagnosis-phase"' in body
    # and February's report has one run only: nothing to compare with
    february = monthly_report(
        month=dt.date(2024, 2, 1), currency="JPY", zone=TOKYO, fiscal_start_month=4
    )
    assert february.diagnosis.view is not None and february.diagnosis.changes is None
    # and January's none at all
    body = client_for(month_data["world"].manager).get("/kpis/report/2024-01/").content.decode()
    assert 'id="report-diagnosis-empty"' in body
