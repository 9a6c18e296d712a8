"""The account list's rows and filter choices: the values the page prints, read once per
page (rows) or per process (filter choices), never stale after a change."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kizuna.apps.customers.forms import AccountFilterForm
from kizuna.apps.customers.models import Channel, Phase, Segment
from kizuna.apps.org.models import Role, Team
from kizuna.apps.pages.selectors import AccountListRow, account_list_rows
from tests.factories import AccountFactory, TouchpointFactory, UserFactory, World


def listing(world: World, **params: str) -> str:
    client = Client()
    client.force_login(world.csm)
    response = client.get(reverse("customers:account_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def owner_choices() -> list[str]:
    return [str(label) for _, label in AccountFilterForm().fields["owner"].choices]  # type: ignore[attr-defined]


def test_rows_carry_labels_in_the_readers_language(world: World) -> None:
    # given a partner account without an owner or team, never touched, and a huge MRR
    partner = AccountFactory(
        name="<b>株式会社パートナー経由</b>",
        kana="パートナー",
        channel=Channel.PARTNER,
        partner_name="",
        owner=None,
        team=None,
        segment=Segment.COMMUNITY,
        phase=Phase.CHURNED,
        mrr=9_223_372_036_854_775_807,
    )
    today = dt.date(2026, 11, 29)
    # when its row is built in Japanese and in English
    with translation.override("ja"):
        (ja,) = account_list_rows(accounts=[partner], today=today, currency="JPY")
    with translation.override("en"):
        (en,) = account_list_rows(accounts=[partner], today=today, currency="USD")
    # then every value is ready to print, the labels in the language of the reader
    assert ja == AccountListRow(
        url=f"/accounts/{partner.pk}/",
        name="<b>株式会社パートナー経由</b>",
        kana="パートナー",
        partner="",
        segment="community",
        segment_label="コミュニティタッチ",
        phase="churned",
        phase_label="解約",
        owner="—",
        team="—",
        mrr="¥9,223,372,036,854,775,807",
        last_touch="—",
        last_touch_on=None,
    )
    assert (en.segment_label, en.phase_label) == ("Community touch", "Churned")
    assert en.mrr.startswith("$")


def test_rows_keep_the_order_of_the_page_and_each_ones_owner_and_last_touch(
    world: World,
) -> None:
    # given two accounts of different owners, one touched three days ago
    first = AccountFactory(owner=world.csm, team=world.strategic, kana="ア")
    second = AccountFactory(owner=world.teammate, team=world.strategic, kana="イ")
    TouchpointFactory(
        account=second, csm=world.teammate, occurred_at=timezone.now() - dt.timedelta(days=3)
    )
    # when the rows of the page [second, first] are built
    rows = account_list_rows(accounts=[second, first], today=timezone.localdate(), currency="JPY")
    # then they follow the page's order with each account's own values
    assert [row.url for row in rows] == [f"/accounts/{second.pk}/", f"/accounts/{first.pk}/"]
    assert [row.owner for row in rows] == [str(world.teammate), str(world.csm)]
    assert rows[0].last_touch != "—"
    assert rows[1].last_touch == "—"


def test_the_list_escapes_the_ready_made_values(world: World) -> None:
    AccountFactory(name="<script>alert(1)</script>", kana="アアア", owner=world.csm)
    page = listing(world, q="アアア")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_filter_choices_follow_a_new_member_a_renamed_team_and_a_deactivation(
    world: World,
) -> None:
    # given the choices read (and cached) once
    before = owner_choices()
    assert "新人 CSM" not in before
    # when a CSM joins, a team is renamed, and a CSM leaves
    newcomer = UserFactory(username="newcomer", display_name="新人 CSM", role=Role.CSM)
    team = Team.objects.get(pk=world.strategic.pk)
    team.name_ja = "戦略チーム（改名）"
    team.save()
    world.teammate.is_active = False
    world.teammate.save()
    # then the next form offers the new state
    after = owner_choices()
    assert str(newcomer) in after
    assert str(world.teammate) not in after
    team_labels = [str(label) for _, label in AccountFilterForm().fields["team"].choices]  # type: ignore[attr-defined]
    assert "戦略チーム（改名）" in team_labels
    # and the list page shows them too
    page = listing(world)
    assert "新人 CSM" in page and "戦略チーム（改名）" in page


def test_filter_choices_are_read_once_per_process_until_something_changes(
    world: World, django_assert_num_queries: object
) -> None:
    AccountFilterForm()  # reads them
    with django_assert_num_queries(0):  # type: ignore[operator]
        AccountFilterForm()
    UserFactory(username="another", role=Role.MANAGER)
    with django_assert_num_queries(4):  # type: ignore[operator]
        AccountFilterForm()  # the teams, the CSMs, the products, the parent links (no group)


def test_filter_choices_expire_even_without_a_signal(world: World, monkeypatch: object) -> None:
    # another process saved the change: this one saw no signal, only the lifetime bounds it
    from kizuna.apps.customers import forms

    AccountFilterForm()
    Team.objects.filter(pk=world.strategic.pk).update(name_ja="別プロセスで改名")
    assert "別プロセスで改名" not in [
        str(label)
        for _, label in AccountFilterForm().fields["team"].choices  # type: ignore[attr-defined]
    ]
    monkeypatch.setattr(forms, "FILTER_CHOICES_SECONDS", 0.0)  # type: ignore[attr-defined]
    assert "別プロセスで改名" in [
        str(label)
        for _, label in AccountFilterForm().fields["team"].choices  # type: ignore[attr-defined]
    ]


def test_filter_choices_follow_the_readers_language(world: World) -> None:
    with translation.override("en"):
        english = [str(label) for _, label in AccountFilterForm().fields["team"].choices]  # type: ignore[attr-defined]
    with translation.override("ja"):
        japanese = [str(label) for _, label in AccountFilterForm().fields["team"].choices]  # type: ignore[attr-defined]
    assert world.strategic.name_en in english and world.strategic.name_ja not in english
    assert world.strategic.name_ja in japanese
