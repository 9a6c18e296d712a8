"""Churn events found in the lines, the missing list (idempotent), recording and correcting a
reason (audited), the taxonomy, and the permission matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.churnreasons import services
from kizuna.apps.churnreasons.detection import churn_events_refresh, task_dedup_key
from kizuna.apps.churnreasons.models import ChurnLoss, ChurnReason, ChurnReasonCategory
from kizuna.apps.churnreasons.selectors import (
    ReasonFilters,
    filters_for_scope,
    reasons_filtered,
)
from kizuna.apps.customers.services import subscription_line_update
from kizuna.apps.org.access import churn_reason_scope
from kizuna.apps.tasks.messages import message_render
from kizuna.apps.tasks.models import Task, TaskState
from tests.apps.churnreasons.conftest import TODAY
from tests.apps.churnreasons.helpers import category, churned, ended_line
from tests.factories import ProductFactory, SubscriptionLineFactory, World

pytestmark = pytest.mark.django_db


def test_the_default_taxonomy_is_seeded_in_order() -> None:
    rows = ChurnReasonCategory.objects.order_by("order").values_list("key", "name_ja", "active")
    assert [r[:2] for r in rows] == [
        ("price", "価格"),
        ("product_fit", "製品適合"),
        ("champion_left", "推進者の退任"),
        ("m_and_a", "M&A・統合"),
        ("budget", "予算削減"),
        ("competitor", "競合への乗り換え"),
        ("business_closed", "事業終了"),
        ("other", "その他"),
    ]
    assert all(r[2] for r in rows)


def test_ending_the_last_line_lists_the_churn_as_missing_and_asks_the_owner(world: World) -> None:
    # given an account with one running line
    line = SubscriptionLineFactory(account=world.account, start_date=dt.date(2025, 4, 1))
    # when a member ends it on 2026-11-01 (the lines' signal refreshes the events)
    subscription_line_update(actor=world.csm, line=line, data={"end_date": dt.date(2026, 11, 1)})
    # then the churn is listed as missing: the whole account, its MRR lost
    reason = ChurnReason.objects.get()
    assert (reason.line_id, reason.churned_on, reason.lost_mrr, reason.is_missing) == (
        None, dt.date(2026, 11, 1), 100_000, True,
    )  # fmt: skip
    assert list(reason.losses.values_list("product__code", "mrr")) == [("expense", 100_000)]
    assert reason.segment == world.account.segment
    # and its owner has a task asking for the reason, worded in the reader's language
    task = Task.objects.get(dedup_key=task_dedup_key(reason.pk))
    assert (task.owner, task.state) == (world.csm, TaskState.OPEN)
    with translation.override("en"):
        assert message_render(task.reason_message) == (
            "The account churned or a line was cancelled on 2026-11-01 (lost MRR 100,000):"
            " record why."
        )
    with translation.override("ja"):
        assert "2026-11-01" in message_render(task.reason_message)
        assert "record" not in message_render(task.reason_message)


def test_the_missing_list_is_idempotent(world: World) -> None:
    # given a churn found once
    churned(world.account)
    # when the refresh runs again, and for every account
    again = churn_events_refresh(today=TODAY, account_ids=[world.account.pk])
    everyone = churn_events_refresh(today=TODAY)
    # then nothing more is written: one row, one loss, one task
    assert (again, everyone) == (0, 0)
    assert ChurnReason.objects.count() == ChurnLoss.objects.count() == 1
    assert Task.objects.filter(dedup_key__startswith="churnreasons:").count() == 1


def test_a_cancelled_line_while_others_run_names_the_line(world: World) -> None:
    SubscriptionLineFactory(account=world.account, start_date=dt.date(2025, 4, 1))
    other = ProductFactory(code="invoice", name_ja="請求書", name_en="Invoice")
    cancelled = ended_line(world.account, product=other, mrr=30_000)
    churn_events_refresh(today=TODAY)
    reason = ChurnReason.objects.get()
    assert (reason.line_id, reason.lost_mrr) == (cancelled.pk, 30_000)


def test_an_old_churn_is_not_asked_for_and_a_recent_one_without_task_past_30_days(
    world: World,
) -> None:
    ended_line(world.account, end=dt.date(2025, 11, 1))  # over a year ago
    ended_line(world.other_account, end=dt.date(2026, 9, 1))  # 90 days ago
    churn_events_refresh(today=TODAY)
    assert list(ChurnReason.objects.values_list("account_id", flat=True)) == [
        world.other_account.pk
    ]
    assert not Task.objects.exists()


def test_a_cancellation_taken_back_drops_the_missing_row_but_never_a_recorded_one(
    world: World,
) -> None:
    # given two churns, one recorded
    kept = churned(world.account)
    services.churn_reason_record(
        actor=world.csm, account=world.account, churned_on=kept.churned_on, category=category()
    )
    dropped = churned(world.other_account)
    # when both lines' ends are taken back
    for account in (world.account, world.other_account):
        line = account.subscription_lines.get()
        subscription_line_update(actor=world.admin, line=line, data={"end_date": None})
    # then the missing one is gone, the recorded one stays
    assert list(ChurnReason.objects.values_list("pk", flat=True)) == [kept.pk]
    assert dropped.pk != kept.pk


def test_a_changed_mrr_refreshes_the_lost_mrr(world: World) -> None:
    reason = churned(world.account)
    line = world.account.subscription_lines.get()
    subscription_line_update(actor=world.admin, line=line, data={"billing_amount": 80_000})
    reason.refresh_from_db()
    assert reason.lost_mrr == 80_000
    assert list(reason.losses.values_list("mrr", flat=True)) == [80_000]


def test_recording_fills_the_row_audits_and_closes_the_task(world: World) -> None:
    reason = churned(world.account)
    # when the owner records the reason
    recorded = services.churn_reason_record(
        actor=world.csm,
        account=world.account,
        churned_on=dt.date(2026, 11, 1),
        category=category("competitor"),
        note="  他社へ乗り換え  ",
    )
    # then the same row holds it, the note trimmed
    assert recorded.pk == reason.pk
    reason.refresh_from_db()
    assert (reason.category.key, reason.note, reason.recorded_by) == (
        "competitor", "他社へ乗り換え", world.csm,
    )  # fmt: skip
    assert reason.recorded_at is not None
    event = AuditEvent.objects.get(entity="churnreason", action="create")
    assert event.changes["category"] == [None, "competitor"]
    assert Task.objects.get(dedup_key=task_dedup_key(reason.pk)).state == TaskState.DONE
    # and a second record of the same churn is refused: edit it instead
    with pytest.raises(ValidationError) as error:
        services.churn_reason_record(
            actor=world.manager,
            account=world.account,
            churned_on=dt.date(2026, 11, 1),
            category=category(),
        )
    assert error.value.error_dict["churned_on"][0].code == services.DUPLICATE


def test_editing_keeps_the_history_in_the_audit_trail(world: World) -> None:
    churned(world.account)
    reason = services.churn_reason_record(
        actor=world.csm, account=world.account, churned_on=dt.date(2026, 11, 1), category=category()
    )
    services.churn_reason_update(
        actor=world.manager, reason=reason, category=category("budget"), note="予算"
    )
    services.churn_reason_update(actor=world.manager, reason=reason, note="予算")  # no change
    updates = AuditEvent.objects.filter(entity="churnreason", action="update").order_by("id")
    assert [e.changes for e in updates] == [{"category": ["price", "budget"], "note": ["", "予算"]}]


def test_an_older_churn_may_be_recorded_though_not_listed(world: World) -> None:
    ended_line(world.account, end=dt.date(2024, 6, 1), mrr=70_000)
    reason = services.churn_reason_record(
        actor=world.admin,
        account=world.account,
        churned_on=dt.date(2024, 6, 1),
        category=category(),
    )
    assert (reason.lost_mrr, reason.is_missing) == (70_000, False)
    assert list(reason.losses.values_list("mrr", flat=True)) == [70_000]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"churned_on": dt.date(9999, 12, 31)}, "churned_on", "no_event"),
        ({"churned_on": dt.date(1, 1, 1)}, "churned_on", "no_event"),
        ({"churned_on": dt.date(2026, 11, 2)}, "churned_on", "no_event"),
        ({"note": "x" * 4001}, "note", "too_long"),
        ({"note": "a\x00b"}, "note", "null_characters_not_allowed"),
        ({"category": None}, "category", "invalid"),
    ],
)
def test_hostile_values_are_refused(
    world: World, change: dict[str, object], field: str, code: str
) -> None:
    churned(world.account)
    args: dict[str, object] = {
        "churned_on": dt.date(2026, 11, 1), "category": category(), "note": "", **change,
    }  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.churn_reason_record(actor=world.csm, account=world.account, **args)  # type: ignore[arg-type]
    assert error.value.error_dict[field][0].code == code
    assert ChurnReason.objects.get().is_missing


def test_a_retired_category_and_a_line_of_another_account_are_refused(world: World) -> None:
    churned(world.account)
    retired = category("other")
    ChurnReasonCategory.objects.filter(pk=retired.pk).update(active=False)
    retired.refresh_from_db()
    with pytest.raises(ValidationError):
        services.churn_reason_record(
            actor=world.csm,
            account=world.account,
            churned_on=dt.date(2026, 11, 1),
            category=retired,
        )
    foreign = ended_line(world.other_account)
    with pytest.raises(ValidationError) as error:
        services.churn_reason_record(
            actor=world.csm,
            account=world.account,
            line=foreign,
            churned_on=dt.date(2026, 11, 1),
            category=category(),
        )
    assert "line" in error.value.error_dict


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("csm", True), ("manager", True), ("admin", True), ("teammate", False),
     ("outsider", False), ("viewer", False)],
)  # fmt: skip
def test_who_records_a_reason(world: World, persona: str, allowed: bool) -> None:
    churned(world.account)
    record = lambda: services.churn_reason_record(  # noqa: E731
        actor=getattr(world, persona),
        account=world.account,
        churned_on=dt.date(2026, 11, 1),
        category=category(),
    )
    if allowed:
        assert not record().is_missing
    else:
        with pytest.raises(PermissionDenied):
            record()
        assert ChurnReason.objects.get().is_missing


def test_the_missing_list_is_the_owners_and_their_managers(world: World) -> None:
    mine = churned(world.account)
    theirs = churned(world.other_account)

    def listed(persona: str) -> set[int]:
        scope = churn_reason_scope(getattr(world, persona))
        return set(
            reasons_filtered(filters_for_scope(scope, status="missing")).values_list(
                "pk", flat=True
            )
        )

    assert listed("csm") == {mine.pk}
    assert listed("manager") == {mine.pk}
    assert listed("outsider") == {theirs.pk}
    assert listed("teammate") == set()
    assert listed("admin") == listed("viewer") == {mine.pk, theirs.pk}
    assert reasons_filtered(ReasonFilters(status="recorded")).count() == 0


def test_only_admins_edit_the_taxonomy_and_it_is_audited(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.churn_category_create(actor=world.manager, key="x", name_ja="x", name_en="x")
    new = services.churn_category_create(
        actor=world.admin, key="support", name_ja="サポート品質", name_en="Support", order=85
    )
    services.churn_category_update(
        actor=world.admin,
        category=new,
        name_ja="サポート",
        name_en="Support",
        order=85,
        active=False,
    )
    new.refresh_from_db()
    assert (new.name_ja, new.active) == ("サポート", False)
    events = AuditEvent.objects.filter(entity="churnreasoncategory")
    assert [e.action for e in events.order_by("id")] == ["create", "update"]
    with pytest.raises(ValidationError):
        services.churn_category_create(actor=world.admin, key="support", name_ja="a", name_en="b")
    with pytest.raises(ValidationError):
        services.churn_category_create(actor=world.admin, key="bad key!", name_ja="a", name_en="b")


def test_the_default_taxonomy_comes_back_into_an_emptied_database() -> None:
    # given a database whose categories were removed, but one renamed
    ChurnReasonCategory.objects.exclude(key="price").delete()
    ChurnReasonCategory.objects.filter(key="price").update(name_ja="料金")
    # when the defaults are ensured (twice)
    added = services.churn_categories_ensure()
    again = services.churn_categories_ensure()
    # then the seven missing ones are back, the edited one is kept
    assert (added, again) == (7, 0)
    assert ChurnReasonCategory.objects.get(key="price").name_ja == "料金"
    assert ChurnReasonCategory.objects.count() == 8
