"""Raising and moving CSQLs (expansion.services): the sales owner is required, one open CSQL
per account and product, who may move a state, lost needs a reason, everything audited; the
daily job attributes expansion from the subscription lines and closes what it derives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.expansion import services
from kizuna.apps.expansion.models import Csql, CsqlMonth
from kizuna.apps.expansion.services import csql_move, csql_raise, csqls_refresh
from tests.apps.expansion.conftest import TODAY
from tests.factories import ProductFactory, SubscriptionLineFactory, World

D = dt.date


def raise_one(world: World, **kwargs: object) -> Csql:
    values: dict[str, object] = {
        "actor": world.csm,
        "account": world.account,
        "sales_owner": world.manager,
    }
    values.update(kwargs)
    return csql_raise(**values)  # type: ignore[arg-type]


def test_raise_copies_reasons_team_and_day_and_is_audited(world: World) -> None:
    # given reasons from the approach score, one hostile
    reasons = [
        {"code": "healthy", "points": 20, "details": {"grade": 5}},
        {"code": "seats_nearly_full", "points": "nan", "details": {"ratio": 0.9, "x": [1]}},
        "not a reason",
    ]
    # when
    csql = raise_one(world, reasons=reasons, approach_score=62.5, note="経費精算の追加提案")
    # then
    csql.refresh_from_db()
    assert (csql.state, csql.raised_on, csql.team_id, csql.raised_by_id) == (
        "proposed", TODAY, world.strategic.pk, world.csm.pk,
    )  # fmt: skip
    assert csql.window_ends_on == dt.date(2026, 12, 31)  # June + 6 months
    assert csql.reasons == [
        {"code": "healthy", "points": 20.0, "details": {"grade": 5}},
        {"code": "seats_nearly_full", "points": 0.0, "details": {"ratio": 0.9}},
    ]
    event = AuditEvent.objects.get(entity="csql", entity_id=csql.pk)
    assert (event.action, event.account_id, event.changes["state"]) == (
        "create",
        world.account.pk,
        [None, "proposed"],
    )


def test_a_sales_owner_is_required_member_or_crm_name(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        raise_one(world, sales_owner=None, sales_owner_name="   ")
    assert error.value.message_dict == {
        "sales_owner": ["営業担当者(メンバーかCRMユーザー)を指定してください。"]
    }
    with pytest.raises(ValidationError):
        raise_one(world, sales_owner=world.viewer)
    csql = raise_one(world, sales_owner=None, sales_owner_name=" 田中(Salesforce) ")
    assert (csql.sales_owner_id, csql.sales_owner_name, csql.sales_owner_label) == (
        None,
        "田中(Salesforce)",
        "田中(Salesforce)",
    )


def test_one_open_csql_per_account_and_product(world: World) -> None:
    # given an open CSQL without a product and one for a product
    first = raise_one(world)
    other = ProductFactory(code="invoice", name_ja="請求書", name_en="Invoice")
    raise_one(world, product=other)
    # when the same is raised again, then it is refused
    for product in (None, other):
        with pytest.raises(ValidationError) as error:
            raise_one(world, product=product)
        assert error.value.error_dict["account"][0].code == "duplicate"
    # and once the first is closed, a new one may be raised
    csql_move(actor=world.manager, csql=first, state="lost", lost_reason="timing")
    assert raise_one(world).state == "proposed"
    assert Csql.objects.count() == 3


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("csm", True),
        ("teammate", True),
        ("outsider", True),
        ("manager", True),
        ("admin", True),
        ("viewer", False),
    ],
)
def test_who_raises(world: World, persona: str, allowed: bool) -> None:
    actor = getattr(world, persona)
    if allowed:
        assert raise_one(world, actor=actor).raised_by == actor
    else:
        with pytest.raises(PermissionDenied):
            raise_one(world, actor=actor)
    assert Csql.objects.count() == (1 if allowed else 0)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("csm", False),  # the raiser: handed to sales
        ("teammate", True),  # the sales owner
        ("manager", True),  # the raiser's manager
        ("outsider", False),
        ("viewer", False),
        ("admin", True),
    ],
)
def test_who_moves_a_state(world: World, persona: str, allowed: bool) -> None:
    csql = raise_one(world, sales_owner=world.teammate)
    actor = getattr(world, persona)
    if allowed:
        assert csql_move(actor=actor, csql=csql, state="accepted").state == "accepted"
    else:
        with pytest.raises(PermissionDenied):
            csql_move(actor=actor, csql=csql, state="accepted")
    csql.refresh_from_db()
    assert csql.state == ("accepted" if allowed else "proposed")


def test_moves_lost_needs_a_reason_and_closed_is_final(world: World) -> None:
    csql = raise_one(world)
    with pytest.raises(ValidationError) as error:
        csql_move(actor=world.manager, csql=csql, state="lost")
    assert list(error.value.message_dict) == ["lost_reason"]
    with pytest.raises(ValidationError):  # the job's reason is not a person's to choose
        csql_move(actor=world.manager, csql=csql, state="lost", lost_reason="no_expansion")
    csql = csql_move(
        actor=world.manager,
        csql=csql,
        state="lost",
        lost_reason="competitor",
        lost_note="他社に決定",
    )
    assert (csql.state, csql.closed_on, csql.lost_reason, csql.closed_by_job) == (
        "lost",
        TODAY,
        "competitor",
        False,
    )
    for state in ("accepted", "won", "proposed"):
        with pytest.raises(ValidationError):
            csql_move(actor=world.admin, csql=csql, state=state)


def test_the_job_attributes_expansion_and_wins_an_accepted_csql(world: World) -> None:
    # given an account at 100,000 since 2025-04 and a CSQL raised 2026-01-20, accepted;
    # a cross-sell of 50,000 from 2026-03-01 and an upsell of 30,000 in January (before)
    SubscriptionLineFactory(account=world.account, product=world.product)
    invoice = ProductFactory(code="invoice", name_ja="請求書", name_en="Invoice")
    SubscriptionLineFactory(
        account=world.account, product=invoice, billing_amount=30_000, start_date=D(2026, 1, 1)
    )
    SubscriptionLineFactory(
        account=world.account, product=invoice, billing_amount=50_000, start_date=D(2026, 3, 1)
    )
    csql = raise_one(world)
    Csql.objects.filter(pk=csql.pk).update(raised_on=D(2026, 1, 20), state="accepted")
    # when the job runs
    assert csqls_refresh(today=TODAY) == 1
    # then March's 50,000 is its own, January's is not; it is won at March's end
    csql.refresh_from_db()
    assert (csql.state, csql.closed_on, csql.closed_by_job, csql.attributed_mrr) == (
        "won",
        D(2026, 3, 31),
        True,
        50_000,
    )
    assert csql.window_ends_on == D(2026, 7, 31)
    assert list(CsqlMonth.objects.values_list("month", "mrr")) == [(D(2026, 3, 1), 50_000)]
    assert AuditEvent.objects.filter(entity="csql", via="job").count() == 1
    # and a second run changes nothing
    assert csqls_refresh(today=TODAY) == 0


def test_the_job_loses_after_the_window_and_respects_the_setting(world: World) -> None:
    SubscriptionLineFactory(account=world.account, product=world.product)
    csql = raise_one(world)
    Csql.objects.filter(pk=csql.pk).update(raised_on=D(2025, 12, 1), state="accepted")
    # a window of 6 months ended 2026-06-30: still open on the 15th
    csqls_refresh(today=TODAY)
    csql.refresh_from_db()
    assert (csql.state, csql.window_ends_on) == ("accepted", D(2026, 6, 30))
    # a window of 5 months ended 2026-05-31: lost
    services.expansion_settings_set(actor=world.admin, window_months=5)
    csqls_refresh(today=TODAY)
    csql.refresh_from_db()
    assert (csql.state, csql.lost_reason, csql.closed_on, csql.window_ends_on) == (
        "lost", "no_expansion", D(2026, 5, 31), D(2026, 5, 31),
    )  # fmt: skip


@pytest.mark.parametrize("months", [0, 25, -1])
def test_the_window_setting_is_bounded(world: World, months: int) -> None:
    with pytest.raises(ValidationError):
        services.expansion_settings_set(actor=world.admin, window_months=months)
    assert services.expansion_settings_get().window_months == 6


def test_only_admins_change_the_window(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.expansion_settings_set(actor=world.manager, window_months=3)


def test_the_job_survives_csqls_raised_in_year_1_and_9999(world: World) -> None:
    # given rows written straight to the table (legacy data): raised in year 1 and in 9999
    SubscriptionLineFactory(account=world.account, product=world.product)
    old = raise_one(world)
    Csql.objects.filter(pk=old.pk).update(raised_on=D(1, 1, 1), state="accepted")
    future = raise_one(world, account=world.other_account)
    Csql.objects.filter(pk=future.pk).update(raised_on=D(9999, 12, 31))
    # when the job runs, then the old one is lost after its window and the future one waits
    assert csqls_refresh(today=TODAY) == 2
    old.refresh_from_db()
    future.refresh_from_db()
    assert (old.state, old.lost_reason, old.window_ends_on) == ("lost", "no_expansion", D(1, 7, 31))
    assert (future.state, future.window_ends_on) == ("proposed", D(9999, 12, 31))
