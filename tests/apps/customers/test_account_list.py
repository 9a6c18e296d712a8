"""The account list: search by name and kana, filters, sort, pagination, bounded queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AccountFactory, ProductFactory, SubscriptionLineFactory, World


def listing(world: World, **params: str) -> str:
    client = Client()
    client.force_login(world.csm)
    response = client.get(reverse("customers:account_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_finds_an_account_by_kana(world: World) -> None:
    page = listing(world, q="ヤマダ")
    assert "株式会社山田製作所" in page
    assert "合同会社北斗" not in page


def test_it_finds_an_account_by_part_of_its_name(world: World) -> None:
    page = listing(world, q="北斗")
    assert "合同会社北斗" in page
    assert "株式会社山田製作所" not in page


def test_it_filters_by_team_and_by_owner(world: World) -> None:
    assert "合同会社北斗" not in listing(world, team="strategic")
    assert "株式会社山田製作所" in listing(world, owner="csm")
    assert "合同会社北斗" not in listing(world, owner="csm")


def test_it_filters_by_product_with_an_active_line(world: World) -> None:
    # given the Yamada account has an active line of another product, Hokuto an ended one
    attendance = ProductFactory(code="attendance", name_ja="勤怠管理", name_en="Attendance")
    SubscriptionLineFactory(account=world.account, product=attendance)
    SubscriptionLineFactory(
        account=world.other_account,
        product=attendance,
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 1, 1),
    )
    # when filtering by that product
    page = listing(world, product="attendance")
    # then only the account with an active line shows
    assert "株式会社山田製作所" in page
    assert "合同会社北斗" not in page


def test_it_sorts_by_mrr_descending(world: World) -> None:
    AccountFactory(name="大口株式会社", kana="オオグチ", mrr=9_000_000)
    AccountFactory(name="小口株式会社", kana="コグチ", mrr=10_000)
    page = listing(world, sort="-mrr")
    assert page.index("大口株式会社") < page.index("小口株式会社")
    assert "¥9,000,000" in page


def test_it_ignores_an_unknown_filter_value_instead_of_failing(world: World) -> None:
    page = listing(world, segment="platinum", sort="nonsense", page="zzz")
    assert "株式会社山田製作所" in page


def test_it_paginates_and_keeps_the_query_count_bounded(world: World) -> None:
    # given more accounts than one page holds
    AccountFactory.create_batch(120, owner=world.teammate, team=world.strategic)
    client = Client()
    client.force_login(world.csm)
    client.get(reverse("customers:account_list"))  # warm-up: creates the company settings row
    # when the second page is requested
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("customers:account_list"), {"page": "2"})
    # then it shows page 2 of 3 in a fixed number of queries
    assert response.status_code == 200
    assert "2 / 3" in response.content.decode() or "Page 2 of 3" in response.content.decode()
    # session, user, company settings, count, page, last touches 3, the parent links (the
    # rows' groups), the bell's unread count; the filter choices are cached since the warm-up
    assert len(queries) == 10, [q["sql"] for q in queries]


def test_it_answers_htmx_with_the_results_fragment_only(world: World) -> None:
    client = Client()
    client.force_login(world.csm)
    response = client.get(
        reverse("customers:account_list"), {"q": "ヤマダ"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<html" not in body
    assert "株式会社山田製作所" in body


def test_it_finds_an_account_by_kana_typed_in_hiragana_or_half_width(world: World) -> None:
    assert "株式会社山田製作所" in listing(world, q="やまだ")
    assert "株式会社山田製作所" in listing(world, q="ﾔﾏﾀﾞ")


def test_it_caps_the_count_of_a_broad_search(world: World, monkeypatch: object) -> None:
    from kizuna.apps.pages import views

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 3)  # type: ignore[attr-defined]
    for i in range(5):
        AccountFactory(name=f"株式会社ヤマ{i}", kana=f"ヤマ{i}")
    page = listing(world, q="ヤマ")
    assert "3 件を超える顧客" in page
    assert "株式会社ヤマ0" in page
    assert "2 件の顧客" in listing(world, q="北斗") or "1 件の顧客" in listing(world, q="北斗")
