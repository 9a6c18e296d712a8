"""今日 pages its worklist table: the counts stay those of the whole book, the pages together
list the book exactly once in the worklist's order, and the page says which page it is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.coverage.selectors import worklist_rows, worklist_summary
from kizuna.apps.customers.models import Account
from kizuna.apps.pages.views import WORKLIST_PAGE_SIZE
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.models import Touchpoint
from tests.factories import TouchpointFactory, World

JST = dt.timezone(dt.timedelta(hours=9))


def _book(world: World, size: int) -> list[Account]:
    """``size`` active high-touch accounts of the CSM (no other account exists), touched
    in every way the worklist must order: never, long ago, recently, at the earliest day a
    touch counts, only in the future, with an MRR near the column's limit."""
    Account.objects.all().delete()
    accounts = Account.objects.bulk_create(
        Account(
            name=f"w{n:03d}",
            kana=f"ダブリュ{n:03d}",
            segment="high",
            owner=world.csm,
            team=world.strategic if n % 3 else None,
            mrr=2**62 if n == 7 else n + 1,
        )
        for n in range(size)
    )
    today = tenant_today()
    moments = [
        dt.datetime(2000, 1, 1, 0, 0, tzinfo=JST),  # the earliest day a touch counts
        dt.datetime(9999, 12, 31, 23, 0, tzinfo=JST),  # never counts before that day
        dt.datetime.combine(today, dt.time(9, 0), tzinfo=JST),
        dt.datetime.combine(today - dt.timedelta(days=25), dt.time(23, 59), tzinfo=JST),
    ]
    for n, account in enumerate(accounts):
        if n % 5:  # every fifth account was never touched
            TouchpointFactory(
                account=account, csm=world.csm, kind="meeting", occurred_at=moments[n % 4]
            )
    return accounts


def _page(client: Client, **params: str) -> tuple[list[int], str, object]:
    response = client.get(reverse("coverage:worklist"), params)
    assert response.status_code == 200
    ids = [account.pk for _due, account in response.context["rows"]]
    return ids, response.content.decode(), response.context["summary"]


@pytest.fixture
def csm_client(world: World) -> Client:
    client = Client()
    client.force_login(world.csm)
    return client


def test_an_empty_book_shows_no_row_and_no_pager(world: World, csm_client: Client) -> None:
    Account.objects.all().delete()
    ids, body, summary = _page(csm_client)
    assert ids == []
    assert "担当している有効な顧客はありません。" in body
    assert 'class="pager"' not in body
    assert (summary.total, summary.uncovered, summary.due_in_7_days) == (0, 0, 0)  # type: ignore[attr-defined]
    # a page asked for beyond an empty book is the empty first page, not an error
    assert _page(csm_client, page="3")[0] == []


def test_exactly_one_page_is_shown_whole_without_a_pager(world: World, csm_client: Client) -> None:
    _book(world, WORKLIST_PAGE_SIZE)
    ids, body, summary = _page(csm_client)
    expected = [
        account.pk for _due, account in worklist_rows(member=world.csm, today=tenant_today())
    ]
    assert ids == expected
    assert len(ids) == WORKLIST_PAGE_SIZE
    assert 'class="pager"' not in body
    assert summary.total == WORKLIST_PAGE_SIZE  # type: ignore[attr-defined]


def test_the_pages_list_the_book_once_in_order_with_the_whole_books_counts(
    world: World, csm_client: Client
) -> None:
    # given one row more than two pages hold
    size = 2 * WORKLIST_PAGE_SIZE + 1
    _book(world, size)
    today = tenant_today()
    rows = worklist_rows(member=world.csm, today=today)
    whole = worklist_summary([due for due, _account in rows])
    # when each page is opened
    first, first_body, first_summary = _page(csm_client)
    second, second_body, second_summary = _page(csm_client, page="2")
    assert f"3 ページ中 2 ページ目（全 {size} 件）" in second_body
    last, last_body, last_summary = _page(csm_client, page="3")
    # then together they are the worklist (the API's order), each account exactly once
    assert first + second + last == [account.pk for _due, account in rows]
    assert (len(first), len(second), len(last)) == (WORKLIST_PAGE_SIZE, WORKLIST_PAGE_SIZE, 1)
    # and every page counts the whole book, as the API and the dashboard do
    assert first_summary == second_summary == last_summary == whole
    assert whole.total == size
    assert whole.uncovered == sum(1 for due, _a in rows if not due.covered) > 0
    # and each page says which one it is, in Japanese
    assert f"3 ページ中 1 ページ目（全 {size} 件）" in first_body
    assert f"3 ページ中 3 ページ目（全 {size} 件）" in last_body
    assert "Page " not in first_body
    # and the huge MRR and the touch at year 9999 did not break the page
    assert Touchpoint.objects.filter(occurred_at__year=9999).exists()


def test_a_page_beyond_the_end_or_not_a_number_shows_a_real_page(
    world: World, csm_client: Client
) -> None:
    _book(world, WORKLIST_PAGE_SIZE + 3)
    last, _body, _summary = _page(csm_client, page="2")
    assert len(last) == 3
    assert _page(csm_client, page="99")[0] == last
    assert _page(csm_client, page="-1")[0] == last
    assert _page(csm_client, page="9" * 30)[0] == last
    assert _page(csm_client, page="abc")[0] == _page(csm_client)[0]


def test_the_pager_speaks_english_and_keeps_the_member_picked(world: World) -> None:
    # given a manager reading the CSM's worklist in English
    _book(world, WORKLIST_PAGE_SIZE + 1)
    world.manager.language = "en"
    world.manager.save(update_fields=["language"])
    client = Client()
    client.force_login(world.manager)
    ids, body, _summary = _page(client, csm="csm", page="2")
    # then the page says which page it is, and its links stay on that CSM's worklist
    assert len(ids) == 1
    assert f"Page 2 of 2 ({WORKLIST_PAGE_SIZE + 1} in all)" in body
    assert "?csm=csm&amp;page=1#worklist" in body
    assert "ページ目" not in body
