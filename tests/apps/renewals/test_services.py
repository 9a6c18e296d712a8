"""People's work on a renewal: stage and forecast call (open stages only, by whoever may work
the account), the closing plan (first save: plan drafted; steps checked), the review sign-off
(managers and admins; the next review moves by the cadence), the cadence settings (admins), and
the renewals following the subscription lines as they change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.renewals import services
from kizuna.apps.renewals.models import ClosingPlan, PlanReview, Renewal, ReviewCadence, Stage
from tests.apps.renewals.conftest import RENEWAL, TODAY

pytestmark = pytest.mark.django_db


def _code(error: ValidationError) -> dict[str, list[str | None]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


# --- stage and forecast call -------------------------------------------------------------


def test_the_owner_moves_the_stage_and_it_is_audited(world: Any, renewal: Renewal) -> None:
    services.renewal_set_stage(actor=world.csm, renewal=renewal, stage="negotiation")
    renewal.refresh_from_db()
    assert renewal.stage == Stage.NEGOTIATION
    event = AuditEvent.objects.get(entity="renewal", entity_id=renewal.pk)
    assert (event.actor, event.changes) == (world.csm, {"stage": ["not_started", "negotiation"]})


@pytest.mark.parametrize("stage", ["renewed", "downgraded", "churned", "won", ""])
def test_a_closed_or_unknown_stage_is_refused(world: Any, renewal: Renewal, stage: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.renewal_set_stage(actor=world.csm, renewal=renewal, stage=stage)
    assert _code(caught.value) == {"stage": ["invalid_choice"]}
    renewal.refresh_from_db()
    assert renewal.stage == Stage.NOT_STARTED


def test_a_closed_renewal_keeps_its_stage_and_call(world: Any, renewal: Renewal) -> None:
    Renewal.objects.filter(pk=renewal.pk).update(stage=Stage.CHURNED, outcome="churned")
    with pytest.raises(ValidationError) as caught:
        services.renewal_set_stage(actor=world.admin, renewal=renewal, stage="committed")
    assert _code(caught.value) == {"stage": ["closed"]}
    with pytest.raises(ValidationError):
        services.renewal_set_call(actor=world.admin, renewal=renewal, call="commit")
    assert Renewal.objects.get(pk=renewal.pk).forecast_call == ""


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("csm", True), ("teammate", False), ("manager", True), ("outsider", False),
     ("viewer", False), ("admin", True)],
)  # fmt: skip
def test_who_sets_the_forecast_call(
    world: Any, renewal: Renewal, persona: str, allowed: bool
) -> None:
    actor = getattr(world, persona)
    if allowed:
        services.renewal_set_call(actor=actor, renewal=renewal, call="at_risk")
        assert Renewal.objects.get(pk=renewal.pk).forecast_call == "at_risk"
    else:
        with pytest.raises(PermissionDenied):
            services.renewal_set_call(actor=actor, renewal=renewal, call="at_risk")
        assert Renewal.objects.get(pk=renewal.pk).forecast_call == ""


def test_a_call_is_one_of_four_or_cleared(world: Any, renewal: Renewal) -> None:
    with pytest.raises(ValidationError) as caught:
        services.renewal_set_call(actor=world.csm, renewal=renewal, call="maybe")
    assert _code(caught.value) == {"forecast_call": ["invalid_choice"]}
    services.renewal_set_call(actor=world.csm, renewal=renewal, call="commit")
    services.renewal_set_call(actor=world.csm, renewal=renewal, call="")
    assert Renewal.objects.get(pk=renewal.pk).forecast_call == ""


# --- the closing plan --------------------------------------------------------------------

STEPS = [
    {"title": "決裁者と更新条件を確認", "owner_id": None, "due_on": dt.date(2026, 6, 1)},
    {"title": "稟議書の提出", "owner_id": None, "due_on": dt.date(2026, 7, 15),
     "done_on": None},
]  # fmt: skip


def test_saving_the_first_plan_drafts_it_and_a_second_save_keeps_the_stage(
    world: Any, renewal: Renewal
) -> None:
    # given an open renewal not started
    # when its CSM saves a plan with two steps
    plan = services.plan_save(
        actor=world.csm,
        renewal=renewal,
        risks="予算削減の可能性",
        decision_maker="情報システム部 部長 佐藤様",
        decision_process="部長承認 → 役員会(7月)",
        next_review_on=dt.date(2026, 5, 15),
        steps=[{**STEPS[0], "owner_id": world.csm.pk}, STEPS[1]],
    )
    # then the renewal is plan drafted, the steps are numbered in order, and it is audited
    renewal.refresh_from_db()
    assert renewal.stage == Stage.PLAN_DRAFTED
    assert list(plan.steps.values_list("order", "title", "owner_id", "due_on")) == [
        (1, "決裁者と更新条件を確認", world.csm.pk, dt.date(2026, 6, 1)),
        (2, "稟議書の提出", None, dt.date(2026, 7, 15)),
    ]
    created = AuditEvent.objects.get(entity="closingplan", entity_id=plan.pk)
    assert created.changes["decision_maker"] == [None, "情報システム部 部長 佐藤様"]
    # when the renewal moves on and the manager edits the plan (one step, marked done)
    services.renewal_set_stage(actor=world.csm, renewal=renewal, stage="negotiation")
    services.plan_save(
        actor=world.manager,
        renewal=renewal,
        risks="予算削減の可能性",
        steps=[{**STEPS[0], "done_on": dt.date(2026, 5, 1)}],
    )
    # then the stage stays, the plan is replaced, still one plan
    renewal.refresh_from_db()
    assert renewal.stage == Stage.NEGOTIATION
    assert ClosingPlan.objects.count() == 1
    assert list(plan.steps.values_list("title", "done_on")) == [
        ("決裁者と更新条件を確認", dt.date(2026, 5, 1))
    ]


@pytest.mark.parametrize("persona", ["teammate", "outsider", "viewer"])
def test_others_may_not_write_the_plan(world: Any, renewal: Renewal, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.plan_save(actor=getattr(world, persona), renewal=renewal, risks="x")
    assert not ClosingPlan.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"risks": "予算\x00"}, "risks"),
        ({"decision_maker": "x" * 201}, "decision_maker"),
        ({"next_review_on": dt.date(1, 1, 1)}, "next_review_on"),
        ({"next_review_on": dt.date(9999, 12, 31)}, "next_review_on"),
        ({"steps": [{"title": ""}]}, "steps"),
        ({"steps": [{"title": "a\x00"}]}, "steps"),
        ({"steps": [{"title": "a", "due_on": dt.date(9999, 1, 1)}]}, "steps"),
        ({"steps": [{"title": "a", "owner_id": 2**70}]}, "steps"),
        ({"steps": [{"title": "a", "owner_id": True}]}, "steps"),
        ({"steps": [{"title": "a"}] * 10_000}, "steps"),
    ],
)
def test_hostile_plans_are_refused_and_nothing_is_written(
    world: Any, renewal: Renewal, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.plan_save(actor=world.csm, renewal=renewal, **kwargs)
    assert list(caught.value.error_dict) == [field]
    assert not ClosingPlan.objects.exists()
    assert Renewal.objects.get(pk=renewal.pk).stage == Stage.NOT_STARTED


def test_a_viewer_may_not_own_a_step(world: Any, renewal: Renewal) -> None:
    with pytest.raises(ValidationError) as caught:
        services.plan_save(
            actor=world.csm, renewal=renewal, steps=[{"title": "a", "owner_id": world.viewer.pk}]
        )
    assert "Step 1" in str(caught.value) or "ステップ 1" in str(caught.value)


# --- review sign-off ---------------------------------------------------------------------


def _plan(world: Any, renewal: Renewal) -> ClosingPlan:
    return services.plan_save(
        actor=world.csm, renewal=renewal, risks="競合の値下げ", next_review_on=TODAY
    )


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("csm", False), ("teammate", False), ("manager", True), ("outsider", False),
     ("viewer", False), ("admin", True)],
)  # fmt: skip
def test_only_the_teams_manager_and_admins_sign_off(
    world: Any, renewal: Renewal, persona: str, allowed: bool
) -> None:
    _plan(world, renewal)
    actor = getattr(world, persona)
    if allowed:
        services.review_sign_off(actor=actor, renewal=renewal, note="確認済み")
        assert PlanReview.objects.get().reviewed_by == actor
    else:
        with pytest.raises(PermissionDenied):
            services.review_sign_off(actor=actor, renewal=renewal, note="確認済み")
        assert not PlanReview.objects.exists()


def test_a_sign_off_moves_the_next_review_by_the_cadence(world: Any, renewal: Renewal) -> None:
    # given a high-touch plan due for review today (default cadence: every 30 days)
    plan = _plan(world, renewal)
    # when the manager signs off today
    review = services.review_sign_off(actor=world.manager, renewal=renewal, note="次回は価格")
    # then the review is recorded and the next review is 30 days later
    assert (review.reviewed_on, review.note) == (TODAY, "次回は価格")
    plan.refresh_from_db()
    assert plan.next_review_on == dt.date(2026, 5, 31)
    # when a stored cadence says every 180 days, a sign-off dated back a day moves it to the
    # renewal date at most
    services.cadence_save(
        actor=world.admin,
        segment="high",
        lead_days=180,
        plan_required=True,
        plan_from_days=120,
        review_every_days=180,
    )
    services.review_sign_off(actor=world.manager, renewal=renewal, reviewed_on=dt.date(2026, 4, 30))
    plan.refresh_from_db()
    assert plan.next_review_on == RENEWAL
    assert list(plan.reviews.values_list("reviewed_on", flat=True)) == [
        TODAY,
        dt.date(2026, 4, 30),
    ]


def test_a_sign_off_needs_a_plan_and_a_day_not_ahead(world: Any, renewal: Renewal) -> None:
    with pytest.raises(ValidationError) as caught:
        services.review_sign_off(actor=world.manager, renewal=renewal)
    assert _code(caught.value) == {"plan": ["no_plan"]}
    _plan(world, renewal)
    for day, code in [(dt.date(2026, 5, 2), "future"), (dt.date(1, 1, 1), "out_of_range")]:
        with pytest.raises(ValidationError) as caught:
            services.review_sign_off(actor=world.manager, renewal=renewal, reviewed_on=day)
        assert _code(caught.value) == {"reviewed_on": [code]}
    with pytest.raises(ValidationError):
        services.review_sign_off(actor=world.manager, renewal=renewal, note="\x00")
    assert not PlanReview.objects.exists()


def test_only_admins_keep_the_cadence(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.cadence_save(
            actor=world.manager, segment="low", lead_days=90, plan_required=True,
            plan_from_days=60, review_every_days=30,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.cadence_save(
            actor=world.admin, segment="low", lead_days=0, plan_required=True,
            plan_from_days=60, review_every_days=30,
        )  # fmt: skip
    services.cadence_save(
        actor=world.admin, segment="low", lead_days=90, plan_required=False,
        plan_from_days=60, review_every_days=30,
    )  # fmt: skip
    assert list(ReviewCadence.objects.values_list("segment", "lead_days", "plan_required")) == [
        ("low", 90, False)
    ]


# --- the renewals follow the lines ------------------------------------------------------


def test_a_line_saved_or_deleted_refreshes_its_accounts_renewals(
    world: Any,
    fixed_today: dt.date,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kizuna.apps.customers import services as customers
    from kizuna.apps.customers.services import subscription_line_create, subscription_line_update

    # given the company's today is 2026-05-01 for the customers' services too
    monkeypatch.setattr(customers, "tenant_today", lambda *a: TODAY)
    data = {
        "product": world.product,
        "billing_period": "annual",
        "billing_amount": 2_400_000,
        "start_date": dt.date(2025, 10, 1),
    }
    # when an annual line is saved through the customers' service
    line = subscription_line_create(actor=world.csm, account=world.account, data=data)
    # then the account has its renewal at once
    assert list(Renewal.objects.values_list("account_id", "date", "mrr_due")) == [
        (world.account.pk, dt.date(2026, 10, 1), 200_000)
    ]
    # when the line is re-dated
    subscription_line_update(
        actor=world.csm, line=line, data={**data, "start_date": dt.date(2025, 8, 1)}
    )
    assert list(Renewal.objects.values_list("date", flat=True)) == [dt.date(2026, 8, 1)]
    # when it is deleted (the administration), the renewal goes once the deletion commits
    with django_capture_on_commit_callbacks(execute=True):
        line.delete()
    assert not Renewal.objects.exists()
