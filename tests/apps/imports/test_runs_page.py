"""The import runs on the ops page and a run's drill-down: who sees them, what they say in
Japanese and English, and the selector's exact rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kizuna.apps.imports.models import ImportRun
from kizuna.apps.imports.selectors import import_run_detail, import_runs_latest
from kizuna.apps.imports.services import accounts_import, contacts_import
from kizuna.core.imports.columns import FileRefused
from tests.factories import World

pytestmark = pytest.mark.django_db

ACCOUNTS = (
    "external_id,name,employee_count,owner\nK1,株式会社良,10,高橋 三郎\nK2,,1,\nK3,株式会社負,-1,\n"
)
CONTACTS = "external_id,account_id,name\nC1,K1,山田 花子\nC2,NOPE,佐藤 一郎\n"


@pytest.fixture(autouse=True)
def _japanese() -> Iterator[None]:
    """The selectors' words are read in Japanese, whatever an earlier test left active."""
    with translation.override("ja"):
        yield


def _client(user: object, language: str = "ja") -> Client:
    user.language = language  # type: ignore[attr-defined]
    user.save(update_fields=["language"])  # type: ignore[attr-defined]
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def runs(world: World) -> tuple[ImportRun, ImportRun, ImportRun]:
    """An account import by the page (2 rows rejected, an owner unmatched), a contact import
    by the command line (1 row rejected) and an empty file refused, in that order."""
    accounts = accounts_import(
        actor=world.admin, data=ACCOUNTS.encode(), file_name="取引先.csv", via="web"
    ).run
    contacts = contacts_import(actor=None, data=CONTACTS.encode(), file_name="contacts.csv").run
    with pytest.raises(FileRefused):
        accounts_import(actor=None, data=b"", file_name="accounts-empty.csv", via="folder")
    refused = ImportRun.objects.get(status="refused")
    assert accounts is not None and contacts is not None
    return accounts, contacts, refused


def _english(html: str) -> set[str]:
    """The English words of a page's text, but for names (CRM, Kizuna CSV) and file names."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<code>.*?</code>", "", html, flags=re.S))
    text = re.sub(r"[\w.-]+\.csv", " ", text)
    return {
        word for word in re.findall(r"[A-Za-z]{3,}", text) if word not in {"CRM", "Kizuna", "CSV"}
    }


def test_the_ops_page_reads_the_runs_in_one_query(
    world: World, runs: tuple[ImportRun, ImportRun, ImportRun], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        rows = import_runs_latest()
    assert len(rows) == 3


def _section(html: str) -> str:
    found = re.search(r'<section class="card" id="import-runs">.*?</section>', html, re.S)
    assert found is not None
    return found.group(0)


def test_the_selector_lists_the_latest_runs_newest_first_with_exact_counts(
    world: World, runs: tuple[ImportRun, ImportRun, ImportRun]
) -> None:
    rows = import_runs_latest()
    assert [
        (
            str(r.kind),
            str(r.source),
            r.file_name,
            r.status,
            str(r.via),
            r.actor,
            r.created,
            r.updated,
            r.unchanged,
            r.rejected,
            r.missing,
            r.refused_because,
        )
        for r in rows
    ] == [
        ("顧客", "—", "accounts-empty.csv", "refused", "取り込みフォルダ", "",
         0, 0, 0, 0, 0, "ファイルに見出し行がありません。"),
        ("担当者", "Kizuna CSV", "contacts.csv", "imported", "コマンドライン", "",
         1, 0, 0, 1, 0, ""),
        ("顧客", "Kizuna CSV", "取引先.csv", "imported", "インポート画面", str(world.admin),
         1, 0, 0, 2, 0, ""),
    ]  # fmt: skip
    assert [r.id for r in import_runs_latest(limit=2)] == [runs[2].pk, runs[1].pk]


def test_the_drill_down_reads_rejected_rows_and_owners_in_the_readers_language(
    world: World, runs: tuple[ImportRun, ImportRun, ImportRun]
) -> None:
    accounts, contacts, _refused = runs
    detail = import_run_detail(run_id=accounts.pk)
    assert detail is not None
    assert [(r.line, str(r.reason), r.value) for r in detail.rejected] == [
        (3, "会社名が空です。", "K2"),
        (4, "従業員数が 0 以上の整数ではありません。", "-1"),
    ]
    assert detail.unmatched_owners == (("高橋 三郎", 1),)
    assert detail.more_rejected == 0
    contact_detail = import_run_detail(run_id=contacts.pk)
    assert contact_detail is not None
    unknown = "この CRM ID の顧客がありません(先に顧客を取り込んでください)。"
    assert [(r.line, str(r.reason), r.value) for r in contact_detail.rejected] == [
        (3, unknown, "NOPE")
    ]
    assert import_run_detail(run_id=contacts.pk + 1000) is None


def test_a_run_keeping_fewer_rows_than_it_rejected_says_how_many_more(world: World) -> None:
    # a run stored by hand with hostile JSON: a non-dict item, a None value, an unknown code
    run = ImportRun.objects.create(
        kind="accounts",
        source="salesforce",
        status="imported",
        file_name="x.csv",
        started_at="2026-11-29T00:00:00Z",
        finished_at="2026-11-29T00:00:01Z",
        rejected=5,
        rejects=[
            {"line": 9, "code": "mystery", "value": None},
            "junk",
            {"line": 2, "code": "no_id"},
        ],
        unmatched_owners=[["田中", 2], ["broken"]],
    )
    detail = import_run_detail(run_id=run.pk)
    assert detail is not None
    assert [(r.line, str(r.reason), r.value) for r in detail.rejected] == [
        (2, "ID が空です。", ""),
        (9, "mystery", ""),
    ]
    assert detail.more_rejected == 3
    assert detail.unmatched_owners == (("田中", 2),)


@pytest.mark.parametrize("persona", ["csm", "manager", "viewer", "outsider"])
def test_only_who_sees_the_ops_page_sees_the_runs(
    world: World, runs: tuple[ImportRun, ImportRun, ImportRun], persona: str
) -> None:
    client = _client(getattr(world, persona))
    assert client.get(reverse("usage:ops")).status_code == 403
    assert client.get(reverse("imports:run", args=[runs[0].pk])).status_code == 403


def test_anonymous_visitors_go_to_the_login_page(
    db: object, runs: tuple[ImportRun, ImportRun, ImportRun]
) -> None:
    for url in (reverse("usage:ops"), reverse("imports:run", args=[runs[0].pk])):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_ops_page_lists_the_runs_in_japanese_with_no_english(
    world: World, runs: tuple[ImportRun, ImportRun, ImportRun]
) -> None:
    response = _client(world.admin).get(reverse("usage:ops"))
    assert response.status_code == 200
    html = response.text
    assert 'id="quarantine"' in html  # the usage part is there too
    section = _section(html)
    assert "インポート履歴" in section
    for word in ("拒否", "インポート済み", "取り込みフォルダ", "コマンドライン", "インポート画面"):
        assert word in section
    assert "ファイルに見出し行がありません。" in section
    assert section.count('class="import-run ') == 3
    for link in runs:
        assert reverse("imports:run", args=[link.pk]) in section
    assert _english(section) == set()


def test_the_ops_page_in_english(
    world: World, runs: tuple[ImportRun, ImportRun, ImportRun]
) -> None:
    section = _section(_client(world.admin, "en").get(reverse("usage:ops")).text)
    assert "Import runs" in section
    for word in ("Refused", "Imported", "Drop folder", "Command line", "Import page"):
        assert word in section
    assert "The file has no header row." in section


def test_the_drill_down_page_in_both_languages(
    world: World, runs: tuple[ImportRun, ImportRun, ImportRun]
) -> None:
    url = reverse("imports:run", args=[runs[0].pk])
    ja = _client(world.admin).get(url)
    assert ja.status_code == 200
    assert "会社名が空です。" in ja.text and "従業員数が 0 以上の整数ではありません。" in ja.text
    assert "高橋 三郎（1 行）" in ja.text
    assert "no_name" not in ja.text and "bad_number" not in ja.text
    content = re.search(r"<main.*?</main>", ja.text, re.S)
    assert content is not None
    assert _english(content.group(0)) == set()
    en = _client(world.admin, "en").get(url).text
    assert "The company name is empty." in en and "高橋 三郎 (1 rows)" in en
    assert _client(world.admin).get(reverse("imports:run", args=[999999])).status_code == 404
