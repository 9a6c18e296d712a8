"""Forms: bad input shows what is wrong, in the member's language, and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Account, SubscriptionLine
from tests.factories import ContactFactory, SubscriptionLineFactory, TouchpointFactory, World


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def line_form(world: World, **changes: str) -> dict[str, Any]:
    return {
        "product": world.product.pk,
        "billing_period": "monthly",
        "amount": "120000",
        "seats": "40",
        "start_date": "2026-04-01",
        "end_date": "",
        "renewal_date": "2027-04-01",
        "external_id": "",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "-1"}, "0 以上"),
        ({"amount": "12.5"}, "JPY の金額に小数は使えません。"),
        ({"end_date": "2026-03-31"}, "終了日は開始日より後にしてください。"),
        ({"end_date": "2026-04-01"}, "終了日は開始日より後にしてください。"),
        ({"product": "99999"}, "正しく選択してください"),
        ({"start_date": "2026-02-30"}, "日付"),
        ({"external_id": "x" * 65}, "65"),
    ],
)
def test_it_rejects_a_bad_subscription_line_in_japanese(
    world: World, changes: dict[str, str], message: str
) -> None:
    response = client_for(world.csm).post(
        reverse("customers:line_create", args=[world.account.pk]), line_form(world, **changes)
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "まだ何も保存されていません" in body
    assert message in body
    assert not SubscriptionLine.objects.exists()
    assert not AuditEvent.objects.exists()


def test_it_saves_an_annual_line_normalised_to_mrr(world: World) -> None:
    response = client_for(world.csm).post(
        reverse("customers:line_create", args=[world.account.pk]),
        line_form(world, billing_period="annual", amount="1000000"),
    )
    assert response.status_code == 302
    line = SubscriptionLine.objects.get()
    assert (line.billing_amount, line.mrr, line.currency) == (1_000_000, 83_333, "JPY")
    world.account.refresh_from_db()
    assert world.account.mrr == 83_333


def test_it_edits_a_line_and_audits_the_change(world: World) -> None:
    line = SubscriptionLineFactory(account=world.account, product=world.product)
    response = client_for(world.manager).post(
        reverse("customers:line_edit", args=[world.account.pk, line.pk]),
        line_form(world, amount="150000", end_date="2027-04-01"),
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.mrr, str(line.end_date)) == (150_000, "2027-04-01")
    event = AuditEvent.objects.get(entity="subscriptionline")
    assert event.actor == world.manager
    assert event.changes["billing_amount"] == [100_000, 150_000]
    assert event.changes["end_date"] == [None, "2027-04-01"]


def test_it_does_not_edit_a_line_through_another_account(world: World) -> None:
    line = SubscriptionLineFactory(account=world.other_account, product=world.product)
    response = client_for(world.csm).get(
        reverse("customers:line_edit", args=[world.account.pk, line.pk])
    )
    assert response.status_code == 404


def test_it_rejects_an_account_without_a_name_or_with_partner_but_no_partner_name(
    world: World,
) -> None:
    response = client_for(world.admin).post(
        reverse("customers:account_create"),
        {
            "name": "",
            "channel": "partner",
            "industry": "it",
            "phase": "onboarding",
            "segment": "tech",
            "potential_acv": "0",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "このフィールドは必須です。" in body
    assert Account.objects.count() == 2


def test_it_creates_an_account_as_admin(world: World) -> None:
    response = client_for(world.admin).post(
        reverse("customers:account_create"),
        {
            "name": "株式会社つばさ物流",
            "kana": "ツバサブツリュウ",
            "industry": "logistics",
            "employee_count": "800",
            "channel": "partner",
            "partner_name": "株式会社ミライ販売",
            "owner": world.csm.pk,
            "team": world.strategic.pk,
            "phase": "onboarding",
            "segment": "high",
            "potential_acv": "5000000",
            "external_crm_id": "SF-0999999",
        },
    )
    assert response.status_code == 302
    account = Account.objects.get(name="株式会社つばさ物流")
    assert (account.partner_name, account.owner, account.mrr) == (
        "株式会社ミライ販売",
        world.csm,
        0,
    )
    assert AuditEvent.objects.get(entity="account").account == account


def test_it_adds_a_contact_and_rejects_a_bad_email(world: World) -> None:
    url = reverse("customers:contact_create", args=[world.account.pk])
    client = client_for(world.csm)
    bad = client.post(url, {"name": "佐藤 一郎", "email": "not-an-email", "role": "admin"})
    assert bad.status_code == 400
    assert "有効なメールアドレス" in bad.content.decode()
    good = client.post(
        url, {"name": "佐藤 一郎", "email": "ichiro@example.jp", "role": "decision_maker"}
    )
    assert good.status_code == 302
    assert world.account.contacts.get().role == "decision_maker"


def test_it_renders_the_account_page_in_a_fixed_number_of_queries(world: World) -> None:
    # given an account with lines, contacts and many touchpoints
    contact = ContactFactory(account=world.account)
    SubscriptionLineFactory.create_batch(3, account=world.account, product=world.product)
    Account.objects.filter(pk=world.account.pk).update(mrr=100_000, segment="high")
    for _ in range(20):
        TouchpointFactory(account=world.account, csm=world.csm).contacts.add(contact)
    client = client_for(world.csm)
    url = reverse("customers:account_detail", args=[world.account.pk])
    client.get(url)
    # when the page is rendered
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # then the number of queries does not grow with the touchpoints
    assert response.status_code == 200
    # usage 4, onboardings 1, health 1, coverage and last touch 4 (policies ×2, time zone,
    # touches), the parent links 1 (in no group: no more), the open tasks 1, the bell's unread
    # count 1, the running playbooks 1 and whether any playbook can start 1, the next
    # renewal with its closing plan 1, the latest feedback 1 and the open feature requests of
    # its form 1, the churn events with their reasons 1, the latest survey answers with their
    # follow-ups 1, the CSQLs with their product and people 1; the paged timeline and history
    # count theirs
    assert len(queries) == 32, [q["sql"] for q in queries]
