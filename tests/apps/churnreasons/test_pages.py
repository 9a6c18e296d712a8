"""The churn-reason pages: the missing list per persona, the form, the report with its chart
and CSVs, the taxonomy page (admins edit), and the panel on the account page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.apps.churnreasons.detection import churn_events_refresh
from kizuna.apps.churnreasons.models import ChurnReason, ChurnReasonCategory
from kizuna.apps.org.models import User
from tests.apps.churnreasons.conftest import TODAY
from tests.apps.churnreasons.helpers import category, churned
from tests.factories import SubscriptionLineFactory, World

pytestmark = pytest.mark.django_db


def line(account: object, start: dt.date, end: dt.date) -> None:
    SubscriptionLineFactory(account=account, start_date=start, end_date=end)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_missing_tab_shows_the_owners_churns_and_a_form_link(world: World) -> None:
    reason = churned(world.account)
    form = reverse("churnreasons:form", args=[reason.pk])
    mine = client_for(world.csm).get(reverse("churnreasons:list")).content.decode()
    assert "株式会社山田製作所" in mine and form in mine
    # the outsider sees none of it by default, every account on asking, without a form link
    outsider = client_for(world.outsider)
    assert "株式会社山田製作所" not in outsider.get(reverse("churnreasons:list")).content.decode()
    everyone = outsider.get(reverse("churnreasons:list") + "?scope=all").content.decode()
    assert "株式会社山田製作所" in everyone and form not in everyone


def test_recording_through_the_form(world: World) -> None:
    reason = churned(world.account)
    url = reverse("churnreasons:form", args=[reason.pk])
    client = client_for(world.manager)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"category": "", "note": "x"})
    assert bad.status_code == 400
    done = client.post(url, {"category": category("budget").pk, "note": "予算削減"})
    assert done.status_code == 302
    reason.refresh_from_db()
    assert (reason.category.key, reason.note, reason.recorded_by) == (
        "budget", "予算削減", world.manager,
    )  # fmt: skip
    # then it is listed as recorded, and the form now corrects it
    recorded = client.get(reverse("churnreasons:list") + "?status=recorded").content.decode()
    assert "予算削減" in recorded
    assert client.post(url, {"category": category("price").pk, "note": ""}).status_code == 302
    reason.refresh_from_db()
    assert reason.category.key == "price"


@pytest.mark.parametrize("persona", ["teammate", "outsider", "viewer"])
def test_others_may_not_open_the_form(world: World, persona: str) -> None:
    reason = churned(world.account)
    url = reverse("churnreasons:form", args=[reason.pk])
    assert client_for(getattr(world, persona)).get(url).status_code == 403
    assert client_for(world.csm).get(reverse("churnreasons:form", args=[99999])).status_code == 404


def test_the_list_csv(world: World) -> None:
    churned(world.account)
    body = client_for(world.admin).get(reverse("churnreasons:list") + "?format=csv")
    lines = body.content.decode().splitlines()
    assert lines[0].startswith("id,account_id,account,owner,line_id")
    assert len(lines) == 2 and ",2026-11-01," in lines[1]


def test_the_report_page_chart_and_csvs(world: World) -> None:
    reason = churned(world.account)
    ChurnReason.objects.filter(pk=reason.pk).update(
        category=category("competitor"), recorded_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    )
    client = client_for(world.viewer)
    page = client.get(reverse("churnreasons:report") + "?period=quarter&cut=segment")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "競合への乗り換え" in body and "FY2026-Q3" in body
    csv = client.get(reverse("churnreasons:report") + "?format=csv").content.decode()
    assert csv.splitlines() == [
        "period,group,category,count,lost_mrr,count_share,mrr_share",
        "2026-11,,competitor,1,100000,1.0000,1.0000",
    ]
    totals = client.get(reverse("churnreasons:report") + "?format=csv&table=totals")
    assert totals.content.decode().splitlines()[1] == "competitor,1,100000,1.0000,1.0000"
    # a bad month is said, and the report still shows
    assert client.get(reverse("churnreasons:report") + "?since=9999-99").status_code == 200


def test_the_taxonomy_page_and_its_edits(world: World) -> None:
    url = reverse("churnreasons:categories")
    assert "推進者の退任" in client_for(world.csm).get(url).content.decode()
    assert client_for(world.csm).get(reverse("churnreasons:category_new")).status_code == 403
    admin = client_for(world.admin)
    created = admin.post(
        reverse("churnreasons:category_new"),
        {
            "key": "support",
            "name_ja": "サポート",
            "name_en": "Support",
            "order": 85,
            "active": "on",
        },
    )
    assert created.status_code == 302
    new = ChurnReasonCategory.objects.get(key="support")
    edit = reverse("churnreasons:category_edit", args=[new.pk])
    assert (
        admin.post(edit, {"name_ja": "サポート品質", "name_en": "Support", "order": 85}).status_code
        == 302
    )
    new.refresh_from_db()
    assert (new.name_ja, new.active) == ("サポート品質", False)
    csv = admin.get(url + "?format=csv").content.decode().splitlines()
    assert csv[0] == "key,name_ja,name_en,active,order" and len(csv) == 10


def test_the_account_page_shows_its_churns_for_one_query(world: World) -> None:
    # given the account page read once (warm caches)
    client = client_for(world.manager)
    url = reverse("customers:account_detail", args=[world.account.pk])
    line(world.account, dt.date(2026, 7, 1), dt.date(2026, 11, 1))
    churn_events_refresh(today=TODAY)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        body = client.get(url).content.decode()
    assert "account-churn-reasons" in body and "理由未記録" in body
    # when two more churns are found (reactivated and churned again)
    line(world.account, dt.date(2025, 12, 1), dt.date(2026, 2, 1))
    line(world.account, dt.date(2026, 3, 1), dt.date(2026, 6, 1))
    churn_events_refresh(today=TODAY)
    with CaptureQueriesContext(connection) as three:
        body = client.get(url).content.decode()
    # then the page costs the same queries
    assert body.count("理由未記録") == 3
    assert len(three) == len(one)
