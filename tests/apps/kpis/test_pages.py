"""The KPI home and the targets page: the same numbers as the pages each card links to, the
cut that drags, permissions per role, the targets form (errors in Japanese, confirmation before
removing), and the landing page per role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.coverage.services import coverage_snapshot_fill
from kizuna.apps.kpis.models import KpiTarget
from kizuna.apps.kpis.services import kpi_snapshots_refresh, kpi_target_save
from kizuna.apps.onboarding.models import Onboarding, OnboardingTemplate
from kizuna.apps.org.models import User
from kizuna.apps.revenue.models import RevenueTarget
from kizuna.apps.segments.models import CoveragePolicy
from kizuna.apps.segments.services import segment_history_initialise
from kizuna.apps.surveys.services import program_defaults_ensure
from tests.apps.kpis.conftest import TODAY
from tests.apps.kpis.helpers import D, csql, renewal, revenue, revenue_history
from tests.apps.surveys.analysis_world import answer, at
from tests.factories import AccountFactory, SubscriptionLineFactory, TouchpointFactory, World

pytestmark = pytest.mark.django_db

NOV = D(2026, 11, 1)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sources(world: World) -> None:
    """One of every source, with known values."""
    revenue_history(
        NOV, 13, grr_12m=0.88, nrr_12m=1.02, logo_churn_rate=0.01, churned_customers=1,
        start_customers=100, start_mrr=1_000_000,
    )  # fmt: skip
    revenue(NOV, dimension="segment", value="high", grr_12m=0.70, start_mrr=600_000)
    revenue(NOV, dimension="segment", value="low", grr_12m=0.99, start_mrr=400_000)
    # coverage from real accounts: two high-touch accounts active since January, one met
    world.account.segment, world.account.mrr = "high", 100_000
    world.account.save()
    SubscriptionLineFactory(account=world.account, product=world.product, start_date=D(2026, 1, 1))
    quiet = AccountFactory(segment="high", owner=world.csm, team=world.strategic, mrr=50_000)
    SubscriptionLineFactory(account=quiet, product=world.product, start_date=D(2026, 1, 1))
    segment_history_initialise(on=D(2026, 1, 1))
    TouchpointFactory(
        account=world.account, csm=world.csm,
        occurred_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC),
    )  # fmt: skip
    coverage_snapshot_fill(day=TODAY)
    # onboardings due in the fiscal year: one on time, one late, one due after today
    template = OnboardingTemplate.objects.create(product=world.product, version=1)
    for target, completed in (
        (D(2026, 6, 30), D(2026, 6, 20)),
        (D(2026, 9, 30), D(2026, 10, 5)),
        (D(2026, 12, 31), None),
    ):
        Onboarding.objects.create(
            account=AccountFactory(owner=world.csm), product=world.product, template=template,
            started_on=D(2026, 4, 1), target_on=target, state_since=D(2026, 4, 1),
            state="completed" if completed else "in_progress", completed_on=completed,
        )  # fmt: skip
    program = program_defaults_ensure()
    for score in (10, 9, 3, 8):
        answer(program, world.account, score, at(D(2026, 6, 5)))
    renewal(world.account, D(2026, 6, 1), 100, 80, "downgraded")
    csql(world.csm, D(2026, 11, 2))
    kpi_snapshots_refresh(today=TODAY)


def home(client: Client, query: str = "") -> Any:
    response = client.get(reverse("kpis:home") + query)
    assert response.status_code == 200
    return response.context["data"]


def test_each_card_shows_the_number_of_the_page_it_links_to(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kizuna.apps.coverage import views as coverage_views
    from kizuna.apps.onboarding import views as onboarding_views

    for module in (coverage_views, onboarding_views):
        monkeypatch.setattr(module, "tenant_today", lambda *args: TODAY)
    sources(world)
    client = client_for(world.admin)
    data = home(client)
    # revenue: the revenue dashboard's current month
    revenue_page = client.get(data.card("grr").url).context["data"]
    assert data.card("grr").figure == revenue_page.current.grr_12m == 0.88
    assert data.card("nrr").figure == revenue_page.current.nrr_12m
    assert data.card("logo_churn_monthly").figure == revenue_page.current.logo_churn_rate
    # NPS: the NPS page over the same fiscal year to date
    nps_page = client.get(data.card("nps").url).context["report"]
    assert [cell.nps for cell in nps_page.nps] == [data.card("nps").figure] == [25.0]
    # renewal rate: the pipeline's rate over the same months
    pipeline = client.get(data.card("renewal_rate").url).context["totals"]
    assert pipeline.rate.amount_rate == data.card("renewal_rate").figure == 0.8
    # coverage: the coverage dashboard's rows of the same day
    rows = client.get(data.card("coverage").url).context["rows"].segment
    covered, total = sum(r.covered for r in rows), sum(r.total for r in rows)
    assert data.card("coverage").figure == covered / total == 1 / 2
    # onboarding completion: the onboarding dashboard over the same months
    overall = client.get(data.card("onboarding_completion").url).context["dashboard"].overall
    assert overall.completion_rate == data.card("onboarding_completion").figure == 0.5
    # CSQLs: the conversion page's raised count of this month
    conversion = client.get(reverse("expansion:conversion") + "?month=2026-11").context["total"]
    assert data.card("csql_count").trend[-1].figure == conversion.raised == 1


def test_the_company_home_names_the_segment_that_drags_grr(world: World) -> None:
    sources(world)
    kpi_target_save(
        actor=world.admin, fiscal_year=2026, kpi="grr", cut="company", value="", target=0.9
    )
    card = home(client_for(world.admin)).card("grr")
    assert (card.target, card.meets) == (0.9, False)
    assert card.drag is not None and (card.drag.cut, card.drag.value) == ("segment", "high")
    # (0.9 − 0.7) × 600,000 / 1,000,000 = 0.12: twelve points off the whole
    assert card.drag.cost == pytest.approx(0.12)
    assert "?for=segment%3Ahigh" in card.drag.url


def test_a_count_is_judged_pro_rata_and_never_against_the_companys_count(world: World) -> None:
    sources(world)
    kpi_target_save(
        actor=world.admin, fiscal_year=2026, kpi="csql_count", cut="company", value="",
        target=2,
    )  # fmt: skip
    card = home(client_for(world.admin)).card("csql_count")
    # 2026-04-01 … 2026-11-30 is 244 of the fiscal year's 365 days
    assert card.target_to_date == pytest.approx(2 * 244 / 365)
    assert card.meets is False  # 1 < 1.34
    team_card = home(client_for(world.admin), "?for=team:strategic").card("csql_count")
    assert team_card.target is None


def test_each_role_opens_its_own_cut(world: World) -> None:
    sources(world)
    assert (home(client_for(world.csm)).cut, home(client_for(world.csm)).value) == ("csm", "csm")
    assert home(client_for(world.manager)).value == "strategic"
    assert home(client_for(world.viewer)).cut == "company"


def test_a_csm_sees_no_colleagues_figures(world: World) -> None:
    client = client_for(world.csm)
    assert client.get(reverse("kpis:home") + "?for=csm:teammate").status_code == 403
    assert client.get(reverse("kpis:home") + "?for=team:adoption").status_code == 403
    assert client.get(reverse("kpis:home") + "?for=segment:high").status_code == 200
    manager = client_for(world.manager)
    assert manager.get(reverse("kpis:home") + "?for=csm:teammate").status_code == 200


def test_an_unknown_cut_falls_back_to_the_members_own(world: World) -> None:
    data = home(client_for(world.viewer), "?for=galaxy:far")
    assert data.cut == "company"


def test_the_home_before_any_snapshot_says_so_in_japanese(world: World) -> None:
    page = client_for(world.admin).get(reverse("kpis:home")).content.decode()
    assert "KPIスナップショットはまだありません" in page
    assert "Dragged" not in page and "No target set" not in page


def test_the_home_says_as_of_and_downloads_a_csv(world: World) -> None:
    sources(world)
    client = client_for(world.admin)
    page = client.get(reverse("kpis:home")).content.decode()
    assert "2026-11-30 時点" in page
    response = client.get(reverse("kpis:home") + "?format=csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("kpi,cut,value,period")
    assert any(line.startswith("grr,company,,month,2026-11-01,0.88") for line in lines)


def test_managers_admins_and_viewers_land_on_the_kpi_home(world: World) -> None:
    for member, expected in (
        (world.admin, "/kpis/"),
        (world.manager, "/kpis/"),
        (world.viewer, "/kpis/"),
        (world.csm, reverse("coverage:worklist")),
    ):
        assert client_for(member).get("/").url == expected


# --- targets -------------------------------------------------------------------------------


def test_an_admin_sets_a_target_in_percent_and_it_is_audited(world: World) -> None:
    client = client_for(world.admin)
    response = client.post(
        reverse("kpis:targets"),
        {"fiscal_year": 2026, "kpi": "grr", "cut": "segment:high", "target": "92.5"},
    )
    assert response.status_code == 302
    target = KpiTarget.objects.get(fiscal_year=2026, kpi="grr", cut="segment", value="high")
    assert target.target == pytest.approx(0.925)
    event = AuditEvent.objects.get(entity="kpitarget", entity_id=target.pk)
    assert event.changes["target"] == [None, pytest.approx(0.925)]
    # this year's revenue target of the segment shows the same
    assert RevenueTarget.objects.get(segment="high").grr_12m == pytest.approx(0.925)


def test_a_coverage_target_of_this_year_is_the_segments_policy_target_both_ways(
    world: World,
) -> None:
    policy, _ = CoveragePolicy.objects.get_or_create(
        segment="high", defaults={"period_months": 3, "target": 0.9}
    )
    kpi_target_save(
        actor=world.admin, fiscal_year=2026, kpi="coverage", cut="segment", value="high",
        target=0.95,
    )  # fmt: skip
    policy.refresh_from_db()
    assert float(policy.target) == 0.95
    policy.target = 0.8  # type: ignore[assignment]
    policy.save()
    assert KpiTarget.objects.get(kpi="coverage", value="high").target == 0.8
    # last year's target is not this year's policy
    kpi_target_save(
        actor=world.admin, fiscal_year=2025, kpi="coverage", cut="segment", value="high",
        target=0.5,
    )  # fmt: skip
    policy.refresh_from_db()
    assert float(policy.target) == 0.8


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kpi": "grr", "cut": "company:", "target": "120"}, "target", "0% から 100% の範囲"),
        ({"kpi": "nps", "cut": "company:", "target": "-101"}, "target", "-100 から 100"),
        ({"kpi": "csql_count", "cut": "company:", "target": "2.5"}, "target", "整数"),
        ({"kpi": "grr", "cut": "company:", "target": "abc"}, "target", "数"),
        ({"kpi": "grr", "cut": "company:", "target": "1e999"}, "target", ""),
        ({"kpi": "arr", "cut": "company:", "target": "1"}, "kpi", ""),
        ({"kpi": "grr", "cut": "team:nowhere", "target": "90"}, "cut", ""),
    ],
)
def test_a_bad_target_is_refused_in_japanese_and_nothing_is_saved(
    world: World, data: dict[str, str], field: str, message: str
) -> None:
    response = client_for(world.admin).post(reverse("kpis:targets"), {"fiscal_year": 2026, **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not KpiTarget.objects.exists()


@pytest.mark.parametrize("year", ["0", "9999", "-1", "20２6x", ""])
def test_a_bad_fiscal_year_is_refused(world: World, year: str) -> None:
    response = client_for(world.admin).post(
        reverse("kpis:targets"),
        {"fiscal_year": year, "kpi": "grr", "cut": "company:", "target": "90"},
    )
    assert response.status_code == 400
    assert not KpiTarget.objects.exists()


def test_removing_a_target_asks_for_confirmation(world: World) -> None:
    kpi_target_save(
        actor=world.admin, fiscal_year=2026, kpi="nps", cut="company", value="", target=20
    )
    client = client_for(world.admin)
    form = {"fiscal_year": 2026, "kpi": "nps", "cut": "company:", "target": ""}
    response = client.post(reverse("kpis:targets"), form)
    assert response.status_code == 400 and KpiTarget.objects.exists()
    assert "確認のチェック" in response.content.decode()
    response = client.post(reverse("kpis:targets"), {**form, "confirm": "yes"})
    assert response.status_code == 302 and not KpiTarget.objects.exists()
    assert AuditEvent.objects.filter(entity="kpitarget", action="delete").count() == 1


def test_only_admins_set_targets_and_everyone_reads_them(world: World) -> None:
    form = {"fiscal_year": 2026, "kpi": "grr", "cut": "company:", "target": "90"}
    for member in (world.manager, world.csm, world.viewer):
        client = client_for(member)
        assert client.post(reverse("kpis:targets"), form).status_code == 403
        page = client.get(reverse("kpis:targets"))
        assert page.status_code == 200 and 'id="kpi-target-form"' not in page.content.decode()
    assert not KpiTarget.objects.exists()
    assert (
        'id="kpi-target-form"'
        in client_for(world.admin).get(reverse("kpis:targets")).content.decode()
    )


def test_the_targets_page_shows_what_the_plan_implies(world: World) -> None:
    revenue(D(2026, 4, 1), start_mrr=5_000_000)
    renewal(world.account, D(2026, 9, 1), 1_000_000, None)
    renewal(AccountFactory(), D(2027, 3, 31), 200_000, None)
    renewal(AccountFactory(), D(2027, 4, 1), 999, None)  # next fiscal year
    for kpi, target in (("logo_churn_annual", 0.1), ("grr", 0.9), ("nrr", 1.05)):
        kpi_target_save(
            actor=world.admin, fiscal_year=2026, kpi=kpi, cut="company", value="", target=target
        )
    plan = client_for(world.viewer).get(reverse("kpis:targets") + "?year=2026").context["plan"]
    assert plan.plan.mrr_due == 1_200_000 and plan.plan.start_mrr == 5_000_000
    assert plan.derived.renewal_amount_needed == 1_080_000
    assert plan.derived.max_mrr_lost == 500_000
    assert plan.derived.expansion_needed == 750_000


@pytest.mark.parametrize("year", ["abc", "0", "99999", "-5"])
def test_a_strange_year_in_the_address_shows_a_year(world: World, year: str) -> None:
    assert (
        client_for(world.viewer).get(reverse("kpis:targets") + f"?year={year}").status_code == 200
    )


def test_defaults_come_from_the_revenue_targets_until_a_kpi_target_is_set(world: World) -> None:
    RevenueTarget.objects.create(segment="", grr_12m=0.85, logo_churn_rate=0.01)
    rows = client_for(world.viewer).get(reverse("kpis:targets")).context["rows"]
    grr = next(r for r in rows if r.kpi.key == "grr")
    assert (grr.cells[0].target, grr.cells[0].source) == (0.85, "revenue")
    annual = next(r for r in rows if r.kpi.key == "logo_churn_annual")
    assert annual.cells[0].target == pytest.approx(1 - 0.99**12)
    kpi_target_save(
        actor=world.admin, fiscal_year=2026, kpi="grr", cut="company", value="", target=0.9
    )
    rows = client_for(world.viewer).get(reverse("kpis:targets")).context["rows"]
    grr = next(r for r in rows if r.kpi.key == "grr")
    assert (grr.cells[0].target, grr.cells[0].source) == (0.9, "set")
