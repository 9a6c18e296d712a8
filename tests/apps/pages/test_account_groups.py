"""Group companies on the pages: the account page's group panel (parent, children, group MRR,
worst grade) and the account list's group filter and the rows' group."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.pages.selectors import account_group_panel
from tests.factories import AccountFactory, World

DAY = dt.date(2026, 6, 30)


def three_levels(world: World) -> dict[str, Account]:
    """山田 (the world's account) ← 子A ← 孫A1, 山田 ← 子B; MRR 100,000 / 20,000 / 3,000 /
    400; 北斗 and 単独 in no group."""
    top = world.account
    child_a = AccountFactory(name="子会社A", kana="コガイシャエー", parent=top)
    grandchild = AccountFactory(name="孫会社A1", kana="マゴガイシャ", parent=child_a)
    child_b = AccountFactory(name="子会社B", kana="コガイシャビー", parent=top)
    alone = AccountFactory(name="単独株式会社", kana="タンドク")
    for account, mrr in ((top, 100_000), (child_a, 20_000), (grandchild, 3_000), (child_b, 400)):
        Account.objects.filter(pk=account.pk).update(mrr=mrr)
    Account.objects.filter(pk=world.other_account.pk).update(mrr=999_999)
    return {"top": top, "child_a": child_a, "grandchild": grandchild, "child_b": child_b,
            "alone": alone}  # fmt: skip


def grade(account: Account, value: int | None, day: dt.date = DAY) -> None:
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption")
    HealthScore.objects.create(account=account, day=day, model=model, score=50, grade=value)


def page_of(world: World, account: Account, *, language: str = "ja") -> str:
    client = Client()
    client.force_login(world.viewer)
    client.post(reverse("front:set_language"), {"language": language, "next": "/accounts/"})
    response = client.get(reverse("customers:account_detail", args=[account.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_rolls_up_the_whole_group_from_any_member(world: World) -> None:
    # given a three-level group; grades: top 4, child A 5 then (latest) 2, grandchild none,
    # child B ungraded; 北斗 (outside the group) grade 1
    accounts = three_levels(world)
    grade(accounts["top"], 4)
    grade(accounts["child_a"], 5, DAY - dt.timedelta(days=7))
    grade(accounts["child_a"], 2)
    grade(accounts["child_b"], None)
    grade(world.other_account, 1)
    # when the panel is read for the grandchild, the middle and the top
    for name in ("grandchild", "child_a", "top"):
        panel = account_group_panel(account=accounts[name])
        # then the group is the same four accounts, its MRR their sum, its worst grade 2
        assert panel is not None
        assert (panel.root.name, panel.size, panel.mrr, panel.worst_grade) == (
            "株式会社山田製作所",
            4,
            123_400,
            2,
        )
    # and each names its own parent and children
    top, middle = (account_group_panel(account=accounts[n]) for n in ("top", "child_a"))
    assert top is not None and middle is not None
    assert top.parent is None
    assert [c.name for c in top.children] == ["子会社A", "子会社B"]
    assert middle.parent is not None and middle.parent.name == "株式会社山田製作所"
    assert [c.name for c in middle.children] == ["孫会社A1"]
    assert middle.list_url == f"/accounts/?group={accounts['top'].pk}"


def test_an_account_in_no_group_has_no_panel(world: World) -> None:
    accounts = three_levels(world)
    assert account_group_panel(account=accounts["alone"]) is None
    assert 'id="group"' not in page_of(world, accounts["alone"])


def test_the_page_shows_the_panel_in_japanese_and_english(world: World) -> None:
    accounts = three_levels(world)
    grade(accounts["grandchild"], 3)
    page = page_of(world, accounts["child_a"])
    panel = page[page.index('id="group"') : page.index("</section>", page.index('id="group"'))]
    assert "グループ" in panel and "親会社" in panel and "子会社" in panel
    assert 'id="group-mrr">¥123,400<' in panel
    assert "グレード 3" in panel
    assert f'href="/accounts/{accounts["top"].pk}/"' in panel
    assert f'href="/accounts/{accounts["grandchild"].pk}/"' in panel
    assert "グループの 4 社" in panel
    english = page_of(world, accounts["child_a"], language="en")
    assert (
        "Group MRR" in english
        and "Parent company" in english
        and "4 accounts in the group" in (english)
    )


def test_a_cycle_in_stored_data_still_renders(world: World) -> None:
    # given a loop written behind the services' back: 山田 → 子A → 山田
    accounts = three_levels(world)
    Account.objects.filter(pk=accounts["top"].pk).update(parent=accounts["child_a"])
    # then the page and the list answer, the group being the loop and everything below it
    panel = account_group_panel(account=accounts["grandchild"])
    assert panel is not None
    assert (panel.size, panel.mrr) == (4, 123_400)
    assert 'id="group"' in page_of(world, accounts["top"])
    names = listed(world, group=str(accounts["child_b"].pk))
    assert names == ["子会社A", "子会社B", "孫会社A1", "株式会社山田製作所"]


def listed(world: World, **params: str) -> list[str]:
    client = Client()
    client.force_login(world.csm)
    response = client.get(reverse("customers:account_list"), params)
    assert response.status_code == 200
    return re.findall(r'<td><a href="/accounts/\d+/">([^<]+)</a>', response.content.decode())


def test_the_list_filters_to_a_group_through_any_member(world: World) -> None:
    accounts = three_levels(world)
    whole = ["子会社A", "子会社B", "孫会社A1", "株式会社山田製作所"]
    for member in ("top", "child_a", "grandchild", "child_b"):
        assert listed(world, group=str(accounts[member].pk)) == whole
    assert listed(world, group=str(accounts["alone"].pk)) == ["単独株式会社"]


@pytest.mark.parametrize("hostile", ["0", "-1", "abc", "1" * 30, str(2**63), " ", "1.5"])
def test_an_invalid_group_is_ignored(world: World, hostile: str) -> None:
    three_levels(world)
    assert len(listed(world, group=hostile)) == 6


def test_an_unknown_group_lists_nothing(world: World) -> None:
    three_levels(world)
    assert listed(world, group=str(2**63 - 1)) == []
    assert listed(world, group="999999") == []


def test_the_filter_offers_each_group_by_its_top_and_the_rows_name_their_group(
    world: World,
) -> None:
    accounts = three_levels(world)
    client = Client()
    client.force_login(world.csm)
    page = client.get(reverse("customers:account_list")).content.decode()
    select = page[
        page.index('<select name="group"') : page.index(
            "</select>", page.index('<select name="group"')
        )
    ]
    assert re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', select) == [
        ("", "すべて"),
        (str(accounts["top"].pk), "株式会社山田製作所"),
    ]
    assert '<label for="id_group">グループ</label>' in page
    # every member's row names the top, linking to the group; 北斗 and 単独 name none
    top = accounts["top"].pk
    link = f'<a class="group-link" href="/accounts/?group={top}">グループ: 株式会社山田製作所</a>'
    assert page.count(link) == 4


def test_the_rows_groups_cost_two_queries_whatever_the_page(world: World) -> None:
    # given 40 groups of a parent and a child each, their tops off the first page by kana
    for n in range(40):
        top = AccountFactory(name=f"親{n:02}", kana=f"ン{n:02}")
        AccountFactory(name=f"子{n:02}", kana=f"ア{n:02}", parent=top)
    client = Client()
    client.force_login(world.csm)
    client.get(reverse("customers:account_list"))  # warm-up: settings, filter choices
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("customers:account_list"))
    # session, user, settings, count, page, last touches 3, the parent links, the tops' names,
    # the bell's unread count
    assert len(queries) == 11, [q["sql"] for q in queries]
    # 40 children (ア…) and the 8 first tops (ン…) on the first page, each naming its group
    assert response.content.decode().count('class="group-link"') == 48
