"""The renewal pages: the pipeline with its totals, plan statuses and CSV; one renewal with
its forms per persona; the plan editor, the sign-off (confirmed) and the cadence settings."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.renewals import services
from kizuna.apps.renewals.models import ClosingPlan, PlanReview, Renewal, ReviewCadence, Stage
from tests.apps.renewals.conftest import TODAY
from tests.factories import AccountFactory, SubscriptionLineFactory

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pipeline(world: Any, renewal: Renewal) -> dict[str, Renewal]:
    """Three renewals in 2026-Q2/Q3: the CSM's on 09-01 (high touch, plans needed from 150
    days before: since 04-04, and no plan: plan missing), another high-touch one with a plan
    whose review was due on 2026-04-20 (overdue), and a tech-touch one (no plan needed)."""
    from kizuna.apps.renewals.services import renewals_refresh

    ReviewCadence.objects.create(segment="high", plan_from_days=150, review_every_days=30)

    overdue_account = AccountFactory(
        owner=world.csm, team=world.strategic, segment="high", name="株式会社青葉"
    )
    tech = AccountFactory(owner=world.outsider, team=world.other_team, segment="tech",
                          name="株式会社小町")  # fmt: skip
    for account, start, mrr in [
        (overdue_account, dt.date(2025, 6, 15), 300_000),
        (tech, dt.date(2025, 7, 1), 20_000),
    ]:
        SubscriptionLineFactory(account=account, product=world.product, billing_period="annual",
                                billing_amount=12 * mrr, mrr=mrr, start_date=start)  # fmt: skip
    renewals_refresh(today=TODAY)
    overdue = Renewal.objects.get(account=overdue_account)
    services.plan_save(actor=world.csm, renewal=overdue, risks="担当者の異動",
                       next_review_on=dt.date(2026, 4, 20))  # fmt: skip
    return {"missing": renewal, "overdue": overdue, "tech": Renewal.objects.get(account=tech)}


def test_the_pipeline_totals_and_flags(world: Any, pipeline: dict[str, Renewal]) -> None:
    # when the manager opens the pipeline (default: this quarter's first month, 2026-04, for
    # six months)
    response = _client(world.manager).get(reverse("renewals:pipeline"))
    assert response.status_code == 200
    totals = response.context["totals"]
    # then three renewals, 12 × (100,000 + 300,000 + 20,000) at stake
    assert (totals.count, totals.arr, totals.open_arr, totals.flagged) == (
        3,
        5_040_000,
        5_040_000,
        2,
    )
    by_status = {t.key: (t.count, t.arr) for t in totals.by_status}
    assert by_status == {
        "plan_missing": (1, 1_200_000),
        "review_overdue": (1, 3_600_000),
        "planned": (0, 0),
        "not_needed": (1, 240_000),
        "closed": (0, 0),
    }
    assert [(t.key, t.count) for t in totals.by_month] == [
        (dt.date(2026, 4, 1), 0), (dt.date(2026, 5, 1), 0), (dt.date(2026, 6, 1), 1),
        (dt.date(2026, 7, 1), 1), (dt.date(2026, 8, 1), 0), (dt.date(2026, 9, 1), 1),
    ]  # fmt: skip
    assert {t.key: t.count for t in totals.by_stage}["plan_drafted"] == 1
    # nothing is due yet: no renewal rate, never 0 %
    assert (totals.rate.due, totals.rate.logo_rate, totals.rate.amount_rate) == (0, None, None)
    html = response.content.decode()
    assert "計画なし" in html and "レビュー期限切れ" in html
    assert "Plan missing" not in html


def test_the_pipeline_filters_and_its_csv(world: Any, pipeline: dict[str, Renewal]) -> None:
    client = _client(world.viewer)
    response = client.get(reverse("renewals:pipeline"), {"status": "review_overdue"})
    assert [r.renewal for r in response.context["rows"]] == [pipeline["overdue"]]
    response = client.get(reverse("renewals:pipeline"), {"segment": "tech", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["account"], r["arr_due"], r["plan_status"]) for r in rows] == [
        ("株式会社小町", "240000", "not_needed")
    ]
    # a stale or hostile filter is ignored, never an error
    response = client.get(
        reverse("renewals:pipeline"), {"first": "0001-01", "last": "9999-12", "team": "x\x00"}
    )
    assert response.status_code == 200
    assert response.context["totals"].count == 3


@pytest.mark.parametrize(
    ("persona", "works", "signs"),
    [("csm", True, False), ("manager", True, True), ("viewer", False, False),
     ("outsider", False, False)],
)  # fmt: skip
def test_the_renewal_page_offers_what_the_member_may_do(
    world: Any, pipeline: dict[str, Renewal], persona: str, works: bool, signs: bool
) -> None:
    renewal = pipeline["overdue"]
    html = (
        _client(getattr(world, persona))
        .get(reverse("renewals:detail", args=[renewal.pk]))
        .content.decode()
    )
    assert ('id="plan-editor"' in html) is works
    assert ('id="sign-off"' in html) is signs
    assert 'id="flag-review-overdue"' in html
    assert "担当者の異動" in html


def test_the_manager_signs_off_only_when_confirmed(
    world: Any, pipeline: dict[str, Renewal]
) -> None:
    renewal = pipeline["overdue"]
    client = _client(world.manager)
    url = reverse("renewals:sign_off", args=[renewal.pk])
    client.post(url, {"note": "価格交渉の方針を確認"})
    assert not PlanReview.objects.exists()
    client.post(url, {"note": "価格交渉の方針を確認", "confirm": "yes"})
    review = PlanReview.objects.get()
    assert (review.reviewed_by, review.reviewed_on, review.note) == (
        world.manager,
        TODAY,
        "価格交渉の方針を確認",
    )
    plan = ClosingPlan.objects.get(renewal=renewal)
    assert plan.next_review_on == dt.date(2026, 5, 31)
    # the CSM may not sign off, even by posting
    assert _client(world.csm).post(url, {"confirm": "yes"}).status_code == 403


def test_the_plan_editor_saves_steps_and_drafts_the_plan(
    world: Any, pipeline: dict[str, Renewal]
) -> None:
    renewal = pipeline["missing"]
    data = {
        "risks": "競合他社の提案",
        "decision_maker": "経営企画部 部長",
        "decision_process": "",
        "next_review_on": "2026-05-20",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "50",
        "steps-0-title": "利用状況レポートを送付",
        "steps-0-owner": str(world.csm.pk),
        "steps-0-due_on": "2026-05-15",
        "steps-1-title": "",
    }
    url = reverse("renewals:plan", args=[renewal.pk])
    assert _client(world.viewer).post(url, data).status_code == 403
    response = _client(world.csm).post(url, data)
    assert response.status_code == 302
    renewal.refresh_from_db()
    assert renewal.stage == Stage.PLAN_DRAFTED
    assert list(renewal.plan.steps.values_list("title", "owner_id", "due_on")) == [
        ("利用状況レポートを送付", world.csm.pk, dt.date(2026, 5, 15))
    ]
    # a year-9999 date is refused with the form shown again, nothing changed
    response = _client(world.csm).post(url, {**data, "next_review_on": "9999-01-01"})
    assert response.status_code == 400
    assert ClosingPlan.objects.get(renewal=renewal).next_review_on == dt.date(2026, 5, 20)


def test_a_closed_stage_cannot_be_posted(world: Any, pipeline: dict[str, Renewal]) -> None:
    renewal = pipeline["missing"]
    _client(world.csm).post(reverse("renewals:stage", args=[renewal.pk]), {"stage": "renewed"})
    assert Renewal.objects.get(pk=renewal.pk).stage == Stage.NOT_STARTED
    _client(world.csm).post(reverse("renewals:stage", args=[renewal.pk]), {"stage": "committed"})
    assert Renewal.objects.get(pk=renewal.pk).stage == Stage.COMMITTED


def test_admins_keep_the_cadence(world: Any) -> None:
    url = reverse("renewals:cadence")
    data = {}
    for segment, (lead, required, start, every) in {
        "high": (180, "on", 120, 30), "low": (180, "on", 60, 45),
        "tech": (90, "", 30, 90), "community": (90, "", 30, 90),
    }.items():  # fmt: skip
        data |= {
            f"{segment}-lead_days": lead,
            f"{segment}-plan_required": required,
            f"{segment}-plan_from_days": start,
            f"{segment}-review_every_days": every,
        }
    assert _client(world.manager).get(url).status_code == 200
    assert _client(world.manager).post(url, data).status_code == 403
    assert _client(world.admin).post(url, {**data, "low-review_every_days": 0}).status_code == 400
    assert not ReviewCadence.objects.exists()
    assert _client(world.admin).post(url, data).status_code == 302
    assert ReviewCadence.objects.get(segment="low").review_every_days == 45


def test_the_account_page_links_its_next_renewal(world: Any, renewal: Renewal) -> None:
    html = (
        _client(world.viewer)
        .get(reverse("customers:account_detail", args=[world.account.pk]))
        .content.decode()
    )
    assert 'id="next-renewal"' in html
    assert reverse("renewals:detail", args=[renewal.pk]) in html
    other = (
        _client(world.viewer)
        .get(reverse("customers:account_detail", args=[world.other_account.pk]))
        .content.decode()
    )
    assert "今後の未完了のリニューアルはありません。" in other


def test_the_pipeline_reads_the_renewal_rate_of_renewals_whose_date_has_come(
    world: Any, renewal: Renewal
) -> None:
    # given three past renewals in 2026-02: renewed with expansion (100,000 → 120,000),
    # downgraded (100,000 → 40,000), churned (50,000 → 0)
    for name, due, after, outcome in [
        ("株式会社一", 100_000, 120_000, "renewed"),
        ("株式会社二", 100_000, 40_000, "downgraded"),
        ("株式会社三", 50_000, 0, "churned"),
    ]:
        Renewal.objects.create(
            account=AccountFactory(name=name), date=dt.date(2026, 2, 10), mrr_due=due,
            mrr_after=after, outcome=outcome, stage=outcome,
        )  # fmt: skip
    response = _client(world.viewer).get(
        reverse("renewals:pipeline"), {"first": "2026-01", "last": "2026-03"}
    )
    rate = response.context["totals"].rate
    # then logo = 2 / 3, amount = (100,000 + 40,000 + 0) / 250,000 = 0.56
    assert (rate.due, rate.renewed, rate.mrr_due, rate.mrr_kept) == (3, 2, 250_000, 140_000)
    assert rate.logo_rate == pytest.approx(2 / 3)
    assert rate.amount_rate == pytest.approx(0.56)
    assert "66.7% / 56.0%" in response.content.decode()
