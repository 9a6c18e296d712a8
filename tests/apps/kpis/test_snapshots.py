"""The daily KPI snapshot: each KPI read from its owning app's figures, exact values on
constructed data, replacing exactly what it recomputes, and one failing source not stopping
the others."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.apps.kpis import frames
from kizuna.apps.kpis.models import KpiSnapshot, KpiTarget
from kizuna.apps.kpis.services import kpi_snapshots_refresh
from kizuna.apps.surveys.services import program_defaults_ensure
from kizuna.core.calendar import first_of_month
from tests.apps.kpis.conftest import TODAY
from tests.apps.kpis.helpers import D, coverage, csql, renewal, revenue, revenue_history
from tests.apps.surveys.analysis_world import answer, at
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db

NOV = D(2026, 11, 1)
FY2026 = D(2026, 4, 1)
FY2025 = D(2025, 4, 1)


def value(kpi: str, period: str, start: dt.date, cut: str = "company", v: str = "") -> object:
    row = KpiSnapshot.objects.get(kpi=kpi, period=period, period_start=start, cut=cut, value=v)
    return row.figure


def test_revenue_kpis_are_the_revenue_snapshots_and_annual_churn_compounds_twelve_months(
    world: World,
) -> None:
    revenue_history(
        NOV, 24, logo_churn_rate=0.01, churned_customers=1, start_customers=100,
        grr_12m=0.9, nrr_12m=1.04, start_mrr=1_000_000,
    )  # fmt: skip
    revenue(NOV, dimension="segment", value="high", grr_12m=0.8, start_mrr=1000)
    kpi_snapshots_refresh(today=TODAY)
    assert value("grr", "month", NOV) == 0.9
    assert value("nrr", "month", NOV) == 1.04
    assert value("logo_churn_monthly", "month", NOV) == 0.01
    assert value("logo_churn_annual", "month", NOV) == pytest.approx(1 - 0.99**12)
    row = KpiSnapshot.objects.get(
        kpi="logo_churn_annual", period="month", period_start=NOV, cut="company"
    )
    assert (row.numerator, row.denominator) == (12, 1200)
    assert value("grr", "month", NOV, "segment", "high") == 0.8
    # the segment's single month cannot compound a year
    assert value("logo_churn_annual", "month", NOV, "segment", "high") is None


def test_annual_churn_needs_twelve_months_of_history(world: World) -> None:
    revenue_history(NOV, 11, logo_churn_rate=0.01, start_customers=100)
    kpi_snapshots_refresh(today=TODAY)
    assert value("logo_churn_annual", "month", NOV) is None
    assert value("logo_churn_monthly", "month", NOV) == 0.01


def test_coverage_reads_the_last_day_of_each_month_and_sums_teams_and_csms(world: World) -> None:
    coverage(D(2026, 11, 29), "segment", "high", 1, 10)  # an earlier day of the month: ignored
    coverage(D(2026, 11, 30), "segment", "high", 8, 10)
    coverage(D(2026, 11, 30), "segment", "low", 45, 50)
    coverage(D(2026, 11, 30), "team", "high", 8, 10, team=world.strategic)
    coverage(D(2026, 11, 30), "team", "low", 2, 5, team=world.strategic)
    coverage(D(2026, 11, 30), "csm", "high", 3, 4, csm=world.csm)
    coverage(D(2026, 10, 31), "segment", "high", 5, 10)
    kpi_snapshots_refresh(today=TODAY)
    assert value("coverage", "month", NOV) == 53 / 60
    assert value("coverage", "month", NOV, "segment", "high") == 0.8
    assert value("coverage", "month", NOV, "team", "strategic") == 10 / 15
    assert value("coverage", "month", NOV, "csm", "csm") == 0.75
    assert value("coverage", "month", D(2026, 10, 1)) == 0.5


def test_nps_counts_the_answers_of_the_fiscal_year_and_each_month(world: World) -> None:
    program = program_defaults_ensure()
    world.account.segment = "high"
    world.account.save()
    for score in (10, 9, 3):
        answer(program, world.account, score, at(D(2026, 4, 5)))
    answer(program, world.account, 0, at(D(2026, 3, 31)))  # FY2025
    # 2026-03-31 20:00 UTC is 2026-04-01 in Tokyo: FY2026
    answer(program, world.account, 10, dt.datetime(2026, 3, 31, 20, tzinfo=dt.UTC))
    answer(program, world.account, 4, at(D(2026, 5, 1)), kind="csat")  # not an NPS answer
    kpi_snapshots_refresh(today=TODAY)
    assert value("nps", "fiscal_year", FY2026) == pytest.approx(100 * (3 - 1) / 4)
    assert value("nps", "fiscal_year", FY2025) == -100.0
    assert value("nps", "month", D(2026, 4, 1), "segment", "high") == pytest.approx(50.0)
    assert value("nps", "fiscal_year", FY2026, "csm", "csm") == pytest.approx(50.0)
    assert value("nps", "fiscal_year", FY2026, "team", "strategic") == pytest.approx(50.0)


def test_renewal_rate_is_the_amount_kept_of_the_renewals_whose_day_has_come(world: World) -> None:
    renewal(world.account, D(2026, 6, 1), 100, 80, "downgraded")
    other = AccountFactory(owner=world.teammate, team=world.strategic)
    renewal(other, D(2026, 7, 1), 100, 0, "churned")
    renewal(other, D(2026, 12, 15), 100, None)  # to come
    kpi_snapshots_refresh(today=TODAY)
    assert value("renewal_rate", "fiscal_year", FY2026) == pytest.approx(0.4)
    row = KpiSnapshot.objects.get(
        kpi="renewal_rate", period="fiscal_year", period_start=FY2026, cut="company"
    )
    assert (row.numerator, row.denominator) == (80, 200)
    assert value("renewal_rate", "fiscal_year", FY2026, "csm", "csm") == pytest.approx(0.8)
    assert value("renewal_rate", "month", D(2026, 7, 1)) == 0.0


def test_csqls_are_counted_by_raise_day_team_and_raiser(world: World) -> None:
    csql(world.csm, D(2026, 5, 10))
    csql(world.csm, D(2026, 11, 2))
    csql(world.outsider, D(2026, 3, 2))  # FY2025
    kpi_snapshots_refresh(today=TODAY)
    assert value("csql_count", "fiscal_year", FY2026) == 2
    assert value("csql_count", "fiscal_year", FY2025) == 1
    assert value("csql_count", "fiscal_year", FY2026, "csm", "csm") == 2
    assert value("csql_count", "fiscal_year", FY2025, "team", "adoption") == 1
    assert value("csql_count", "month", NOV) == 1


def test_an_empty_company_writes_nothing_and_fails_nothing(db: object) -> None:
    result = kpi_snapshots_refresh(today=TODAY)
    assert result.failed == {}
    assert not KpiSnapshot.objects.exists()


def test_a_rerun_replaces_exactly_what_it_recomputes(world: World) -> None:
    # a row outside the window (written by an earlier run, or another way) stays
    old = KpiSnapshot.objects.create(
        kpi="nps", period="month", period_start=D(2024, 1, 1), cut="company", value="",
        figure=12.0, as_of=D(2024, 1, 31), computed_at=dt.datetime(2024, 1, 31, tzinfo=dt.UTC),
    )  # fmt: skip
    csql(world.csm, D(2026, 11, 2))
    kpi_snapshots_refresh(today=TODAY)
    kpi_snapshots_refresh(today=TODAY)
    # one row for each of the window's twelve months, November's the one CSQL
    months = KpiSnapshot.objects.filter(kpi="csql_count", period="month", cut="company")
    assert months.count() == 12 and value("csql_count", "month", NOV) == 1
    assert KpiSnapshot.objects.filter(pk=old.pk).exists()


def test_a_failing_source_is_reported_and_the_others_are_written(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    csql(world.csm, D(2026, 11, 2))
    kpi_snapshots_refresh(today=TODAY)
    revenue(NOV, grr_12m=0.5)

    def broken(window: object) -> list[object]:
        raise RuntimeError("the revenue table is locked")

    monkeypatch.setitem(frames.SOURCES, "revenue", broken)
    monkeypatch.setattr("kizuna.apps.kpis.services.SOURCES", frames.SOURCES)
    result = kpi_snapshots_refresh(today=TODAY)
    assert "revenue" in result.failed and "the revenue table is locked" in result.message
    # the month and the fiscal year, four cuts each; the company's other eleven months and
    # last fiscal year, 0
    assert result.written["csqls"] == 8 + 11 + 1
    assert not KpiSnapshot.objects.filter(kpi="grr").exists()


@pytest.mark.parametrize("today", [D(1, 1, 15), D(9999, 12, 31), D(2027, 3, 31), D(2027, 4, 1)])
def test_edge_days_compute_without_error(world: World, today: dt.date) -> None:
    csql(world.csm, today)
    result = kpi_snapshots_refresh(today=today)
    assert result.failed == {}
    assert value("csql_count", "month", first_of_month(today)) == 1


def test_fiscal_year_boundaries_follow_the_company_setting(world: World) -> None:
    from kizuna.apps.tenant.models import TenantSettings

    TenantSettings.objects.update_or_create(pk=1, defaults={"fiscal_year_start_month": 1})
    csql(world.csm, D(2026, 1, 1))
    csql(world.csm, D(2025, 12, 31))
    kpi_snapshots_refresh(today=TODAY)
    assert value("csql_count", "fiscal_year", D(2026, 1, 1)) == 1
    assert value("csql_count", "fiscal_year", D(2025, 1, 1)) == 1


def test_a_past_months_fiscal_year_is_pooled_from_its_months(world: World) -> None:
    # given a fiscal year with NPS answers in April and November, renewals in June and
    # October, CSQLs in May and November (the KPI job run today, 2026-11-30)
    from kizuna.apps.kpis.selectors import kpi_home

    program = program_defaults_ensure()
    for score in (10, 9, 3):
        answer(program, world.account, score, at(D(2026, 4, 5)))
    answer(program, world.account, 0, at(D(2026, 11, 5)))
    renewal(world.account, D(2026, 6, 1), 100, 80, "downgraded")
    other = AccountFactory(owner=world.teammate, team=world.strategic)
    renewal(other, D(2026, 10, 1), 100, 0, "churned")
    csql(world.csm, D(2026, 5, 10))
    csql(world.csm, D(2026, 11, 2))
    KpiTarget.objects.create(fiscal_year=2026, cut="company", kpi="renewal_rate", target=0.9)
    kpi_snapshots_refresh(today=TODAY)
    # when the home is read to the end of June, pooled from the months
    june = kpi_home(today=D(2026, 6, 30), fiscal_start_month=4, to_month_end=True)
    # then the fiscal-year KPIs count April to June only
    assert june.card("csql_count").figure == 1
    renewals = june.card("renewal_rate")
    assert (renewals.figure, renewals.numerator, renewals.denominator) == (0.8, 80, 100)
    assert june.card("nps").figure == pytest.approx(100 * (2 - 1) / 3)
    assert renewals.period_label == "2026年度（期首から2026年6月末まで）"
    # and the stored year to date, read as of the same day, runs to the job's day
    stored = kpi_home(today=D(2026, 6, 30), fiscal_start_month=4)
    assert stored.card("csql_count").figure == 2
    # and pooled to this month, every fiscal-year KPI equals the stored year to date, for the
    # company and for the cut below that drags it
    now = kpi_home(today=TODAY, fiscal_start_month=4, to_month_end=True)
    stored_now = kpi_home(today=TODAY, fiscal_start_month=4)
    for key in ("nps", "renewal_rate", "csql_count", "onboarding_completion"):
        pooled_card, stored_card = now.card(key), stored_now.card(key)
        assert pooled_card.figure == pytest.approx(stored_card.figure), key
        assert (pooled_card.numerator, pooled_card.denominator) == (
            stored_card.numerator,
            stored_card.denominator,
        ), key
        assert (pooled_card.drag is None) == (stored_card.drag is None), key
        if pooled_card.drag and stored_card.drag:
            assert pooled_card.drag.label == stored_card.drag.label, key
    assert now.card("renewal_rate").drag is not None


def test_a_month_without_csqls_counts_zero_for_the_company(world: World) -> None:
    from kizuna.apps.kpis.selectors import kpi_home

    # given CSQLs raised in May and November only
    csql(world.csm, D(2026, 5, 10))
    csql(world.csm, D(2026, 11, 2))
    # when the job runs
    kpi_snapshots_refresh(today=TODAY)
    # then the company's months between count 0, not "no value", and the card's trend too
    assert value("csql_count", "month", D(2026, 6, 1)) == 0.0
    card = kpi_home(today=TODAY, fiscal_start_month=4).card("csql_count")
    trend = {point.month: point.figure for point in card.trend}
    assert (trend[D(2026, 5, 1)], trend[D(2026, 6, 1)], trend[D(2026, 11, 1)]) == (1, 0.0, 1)
    assert card.figure == 2
    # and the year up to April (none raised) is 0; a cut with none has no row
    april = kpi_home(today=D(2026, 4, 30), fiscal_start_month=4, to_month_end=True)
    assert april.card("csql_count").figure == 0.0
    assert not KpiSnapshot.objects.filter(kpi="csql_count", cut="segment", value="low").exists()
