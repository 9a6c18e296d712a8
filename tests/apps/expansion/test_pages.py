"""The CSQL pages: the raise button on the approach list and the account page, the form, the
board with its filters and CSV, one CSQL, the conversion table and its CSV; in Japanese by
default, per persona."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kizuna.apps.expansion.models import Csql
from kizuna.apps.expansion.services import csql_move, csql_raise
from kizuna.apps.health import views as health_views
from kizuna.apps.health.selectors import ApproachRow
from kizuna.apps.org.models import User
from tests.factories import World

D = dt.date


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_csql(world: World, actor: User | None = None, **kwargs: object) -> Csql:
    return csql_raise(
        actor=actor or world.csm,
        account=kwargs.pop("account", world.account),
        sales_owner=world.teammate,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("persona", "shown"), [("csm", True), ("outsider", True), ("viewer", False)]
)
def test_the_approach_list_offers_to_raise_a_csql(
    world: World, monkeypatch: pytest.MonkeyPatch, persona: str, shown: bool
) -> None:
    row = ApproachRow(account=world.account, score=72.0, reasons=((20.0, "ヘルスグレード 5"),))
    monkeypatch.setattr(health_views.selectors, "approach_list", lambda **kw: [row])
    page = client_for(getattr(world, persona)).get("/health/approach/").content.decode()
    assert (f'/csqls/new/?account={world.account.pk}"' in page) is shown
    assert ("CSQLを起票" in page) is shown


@pytest.mark.parametrize(
    ("persona", "shown"), [("csm", True), ("teammate", True), ("viewer", False)]
)
def test_the_account_page_offers_to_raise_a_csql(world: World, persona: str, shown: bool) -> None:
    page = (
        client_for(getattr(world, persona)).get(f"/accounts/{world.account.pk}/").content.decode()
    )
    assert ('id="raise-csql"' in page) is shown


def test_the_account_page_lists_its_csqls_with_the_expansion_they_produced(world: World) -> None:
    client = client_for(world.csm)
    # no CSQL yet: no section
    assert 'id="account-csqls"' not in client.get(f"/accounts/{world.account.pk}/").content.decode()
    # given: a won CSQL whose expansion the daily job attributed, a new one, another account's
    won = new_csql(world, product=world.product)
    csql_move(actor=world.teammate, csql=won, state="accepted")
    csql_move(actor=world.teammate, csql=won, state="won")
    Csql.objects.filter(pk=won.pk).update(
        attributed_mrr=123_456, refreshed_on=D(2026, 6, 1), window_ends_on=D(2026, 9, 30)
    )
    fresh = new_csql(world)
    elsewhere = new_csql(world, actor=world.outsider, account=world.other_account)
    # when
    page = client.get(f"/accounts/{world.account.pk}/").content.decode()
    # then: both of this account's, newest first, the expansion and its window in Japanese
    section = page[page.index('id="account-csqls"') :]
    section = section[: section.index("</section>")]
    assert section.index(f"/csqls/{fresh.pk}/") < section.index(f"/csqls/{won.pk}/")
    assert f"/csqls/{elsewhere.pk}/" not in section
    assert "+¥123,456" in section and "2026/09/30 まで集計" in section
    assert "受注" in section and "未計算(日次ジョブで計算)" in section
    assert "営業担当者" in section and "Sales owner" not in section


def test_raise_from_the_form(world: World) -> None:
    client = client_for(world.teammate)
    form = client.get(f"/csqls/new/?account={world.account.pk}")
    assert form.status_code == 200
    assert "CSQLを起票" in form.content.decode()
    # without a sales owner: refused on the form, nothing saved
    refused = client.post(f"/csqls/new/?account={world.account.pk}", {"note": "x"})
    assert refused.status_code == 400
    assert "営業担当者(メンバーかCRMユーザー)を指定してください。" in refused.content.decode()
    done = client.post(
        f"/csqls/new/?account={world.account.pk}", {"sales_owner_name": "田中", "note": "追加提案"}
    )
    csql = Csql.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/csqls/{csql.pk}/"
    assert (csql.raised_by, csql.sales_owner_name, csql.note) == (
        world.teammate,
        "田中",
        "追加提案",
    )
    # a second one on the same account and product is refused on the form
    again = client.post(f"/csqls/new/?account={world.account.pk}", {"sales_owner_name": "田中"})
    assert again.status_code == 400
    assert Csql.objects.count() == 1


@pytest.mark.parametrize(
    "query", ["", "?account=", "?account=abc", "?account=99999999999999999999999"]
)
def test_the_form_without_a_known_account_is_404(world: World, query: str) -> None:
    assert client_for(world.csm).get("/csqls/new/" + query).status_code == 404


def test_the_viewer_may_not_raise(world: World) -> None:
    client = client_for(world.viewer)
    assert client.get(f"/csqls/new/?account={world.account.pk}").status_code == 403
    assert (
        client.post(
            f"/csqls/new/?account={world.account.pk}", {"sales_owner_name": "x"}
        ).status_code
        == 403
    )


def test_the_board_filters_and_csv(world: World) -> None:
    mine = new_csql(world)
    theirs = new_csql(world, actor=world.outsider, account=world.other_account)
    csql_move(actor=world.teammate, csql=theirs, state="lost", lost_reason="timing")
    client = client_for(world.viewer)
    page = client.get("/csqls/").content.decode()
    assert "株式会社山田製作所" in page and "合同会社北斗" in page
    assert "起票済み" in page and "失注" in page
    filtered = client.get("/csqls/?team=strategic").content.decode()
    assert "株式会社山田製作所" in filtered and "合同会社北斗" not in filtered
    assert "合同会社北斗" not in client.get("/csqls/?csm=csm").content.decode()
    # a bad month is said on the page, not a 500
    assert client.get("/csqls/?month=9999-99").status_code == 200
    rows = client.get("/csqls/?format=csv").content.decode().splitlines()
    assert rows[0].startswith("id,account_id,account,product,raised_by,team,raised_on,state")
    assert [r.split(",")[0] for r in rows[1:]] == [str(theirs.pk), str(mine.pk)]
    assert rows[1].split(",")[7:10] == ["lost", str(world.teammate), "timing"]
    assert client.get("/csqls/?format=csv&month=2026-05").content.decode().splitlines()[1:] == []


def test_the_detail_page_shows_moves_only_to_who_may(world: World) -> None:
    csql = new_csql(world)
    for persona, offered in (
        ("teammate", True),
        ("manager", True),
        ("csm", False),
        ("viewer", False),
    ):
        page = client_for(getattr(world, persona)).get(f"/csqls/{csql.pk}/").content.decode()
        assert ('id="csql-actions"' in page) is offered, persona
    # a viewer who posts anyway is refused
    assert (
        client_for(world.viewer).post(f"/csqls/{csql.pk}/move/", {"state": "won"}).status_code
        == 403
    )
    assert Csql.objects.get().state == "proposed"
    # the sales owner wins it; lost needs a reason
    client = client_for(world.teammate)
    assert client.post(f"/csqls/{csql.pk}/move/", {"state": "lost"}).status_code == 400
    assert client.post(f"/csqls/{csql.pk}/move/", {"state": "won"}).status_code == 302
    assert Csql.objects.get().state == "won"
    assert client_for(world.viewer).get("/csqls/999999/").status_code == 404


def test_the_conversion_table_and_csv(world: World) -> None:
    won = new_csql(world)
    csql_move(actor=world.teammate, csql=won, state="won")
    Csql.objects.filter(pk=won.pk).update(attributed_mrr=50_000)
    new_csql(world, account=world.other_account)
    client = client_for(world.manager)
    page = client.get("/csqls/conversion/").content.decode()
    assert "100%" in page and "¥50,000" in page
    rows = client.get("/csqls/conversion/?format=csv").content.decode().splitlines()
    assert rows == [
        "csm,month,raised,open,won,lost,conversion,expansion_mrr",
        f"{world.csm},2026-06,2,1,1,0,1.0000,50000",
    ]
    team = client.get("/csqls/conversion/?cut=team&format=csv").content.decode().splitlines()
    assert team[1] == f"{world.strategic.name_ja},2026-06,2,1,1,0,1.0000,50000"
    assert (
        "CSQLはまだありません。" in client.get("/csqls/conversion/?month=2026-05").content.decode()
    )


def test_empty_board_and_conversion_show_dashes(world: World) -> None:
    client = client_for(world.csm)
    board = client.get("/csqls/").content.decode()
    assert 'id="conversion">—<' in board
    assert "CSQLはまだありません。" in client.get("/csqls/conversion/").content.decode()


def test_only_admins_open_the_settings(world: World) -> None:
    assert client_for(world.manager).get("/csqls/settings/").status_code == 403
    client = client_for(world.admin)
    assert client.post("/csqls/settings/", {"window_months": "99"}).status_code == 400
    assert client.post("/csqls/settings/", {"window_months": "3"}).status_code == 302
    assert "3か月" in client.get("/csqls/").content.decode()
