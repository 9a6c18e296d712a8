"""``lines_import`` of HubSpot deal exports: closed-won deals become subscription lines on the
companies imported before them; other stages are rejected (``deal_not_won``); a deal file is
refused by the other kinds' imports, and a company or contact file by the line import."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.imports.models import ImportKind, ImportRun, RunStatus
from kizuna.apps.imports.services import (
    accounts_import,
    contacts_import,
    lines_import,
    members_import,
)
from kizuna.cli import main
from kizuna.core.imports.columns import FileRefused
from tests.apps.imports.conftest import HUBSPOT
from tests.apps.imports.test_contacts_import import HUBSPOT_CONTACTS
from tests.core.imports.test_lines import HUBSPOT_DEALS, HUBSPOT_DEALS_JA
from tests.factories import World

pytestmark = pytest.mark.django_db

AOZORA, HOKUTO = "9876543210", "9876543211"


@pytest.fixture
def hubspot_companies(world: World) -> None:
    accounts_import(actor=None, data=HUBSPOT.encode("utf-8"), file_name="companies.csv")


def _import(text: str, **options: Any) -> Any:
    return lines_import(actor=None, data=text.encode("utf-8"), file_name="deals.csv", **options)


def _mrr(crm_id: str) -> int:
    return Account.objects.get(external_crm_id=crm_id).mrr


def _lines() -> list[tuple[str, str, str, dt.date, dt.date | None, int, int | None]]:
    return list(
        SubscriptionLine.objects.order_by("external_id").values_list(
            "external_id",
            "account__external_crm_id",
            "product__code",
            "start_date",
            "end_date",
            "mrr",
            "seats",
        )
    )


REJECTED = [
    (3, "deal_not_won", "Closed Lost"),
    (4, "deal_not_won", "Contract Sent"),
    (5, "bad_amount", "8333.33"),
    (7, "amount_too_large", "99999999999999999999"),
]


def test_the_won_deals_become_lines_and_the_same_file_again_changes_nothing(
    hubspot_companies: None,
) -> None:
    result = _import(HUBSPOT_DEALS)
    assert (result.source, result.encoding, result.plan.summary) == (
        "hubspot",
        "utf-8-sig",
        "created 2, updated 0, unchanged 0, rejected 4",
    )
    assert [(r.line, r.code, r.value) for r in result.plan.rejected] == REJECTED
    # the company's only product; the close date's time dropped; the first company of two
    assert _lines() == [
        ("20001", AOZORA, "expense", dt.date(2026, 4, 1), None, 100000, 10),
        ("20005", HOKUTO, "expense", dt.date(2026, 1, 10), None, 50000, 20),
    ]
    line = SubscriptionLine.objects.get(external_id="20001")
    assert (line.billing_period, line.billing_amount, line.currency) == ("monthly", 100000, "JPY")
    assert (_mrr(AOZORA), _mrr(HOKUTO)) == (100000, 50000)
    run = ImportRun.objects.get(kind=ImportKind.LINES)
    assert (run.source, run.created, run.updated, run.unchanged, run.rejected) == (
        "hubspot",
        2,
        0,
        0,
        4,
    )
    assert run.rejects[0] == {"line": 3, "code": "deal_not_won", "value": "Closed Lost"}
    assert AuditEvent.objects.filter(entity="subscriptionline").count() == 2
    # the same file again: nothing written
    again = _import(HUBSPOT_DEALS)
    assert again.plan.summary == "created 0, updated 0, unchanged 2, rejected 4"
    assert again.plan.missing == ()
    assert AuditEvent.objects.filter(entity="subscriptionline").count() == 2
    assert (_mrr(AOZORA), _mrr(HOKUTO)) == (100000, 50000)


def test_a_later_export_updates_wins_and_keeps_a_line_whose_deal_is_no_longer_won(
    hubspot_companies: None,
) -> None:
    _import(HUBSPOT_DEALS)
    edited = (
        HUBSPOT_DEALS.replace('"100000.00"', '"120000"')
        .replace(
            '"Contract Sent","",',
            '"Closed Won","2026-06-01 00:00",',
        )
        .replace('"","","JPY","","9876543211"', '"","30000","JPY","","9876543211"')
        .replace("ＣＬＯＳＥＤ　ＷＯＮ", "Closed Lost")
    )
    result = _import(edited)
    assert result.plan.summary == "created 1, updated 1, unchanged 0, rejected 4"
    (updated,) = result.plan.updated
    assert (updated.external_id, dict(updated.changes)) == ("20001", {"mrr": (100000, 120000)})
    assert [(r.line, r.code, r.value) for r in result.plan.rejected] == [
        (3, "deal_not_won", "Closed Lost"),
        (5, "bad_amount", "8333.33"),
        (6, "deal_not_won", "Closed Lost"),
        (7, "amount_too_large", "99999999999999999999"),
    ]
    # 20005, lost in HubSpot now, is kept as it was (a line is ended with an end date)
    assert _lines() == [
        ("20001", AOZORA, "expense", dt.date(2026, 4, 1), None, 120000, 10),
        ("20003", HOKUTO, "expense", dt.date(2026, 6, 1), None, 30000, None),
        ("20005", HOKUTO, "expense", dt.date(2026, 1, 10), None, 50000, 20),
    ]
    assert (_mrr(AOZORA), _mrr(HOKUTO)) == (120000, 80000)


def test_a_japanese_portals_export_imports_after_the_english_one(
    hubspot_companies: None,
) -> None:
    _import(HUBSPOT_DEALS)
    # it has no Quantity column, which the last import from HubSpot had: refused whole
    with pytest.raises(FileRefused) as refused:
        _import(HUBSPOT_DEALS_JA)
    assert (refused.value.code, refused.value.detail) == ("drift", "seats (Quantity)")
    result = _import(HUBSPOT_DEALS_JA, accept_drift=True)
    assert (result.source, result.plan.summary) == (
        "hubspot",
        "created 1, updated 0, unchanged 0, rejected 2",
    )
    assert [(r.line, r.code, r.value) for r in result.plan.rejected] == [
        (3, "deal_not_won", "失注"),
        (4, "deal_not_won", "契約書送付済み"),
    ]
    # the English export's lines are not in this file: listed, kept
    assert result.plan.missing == ("20001", "20005")
    assert SubscriptionLine.objects.get(external_id="30001").mrr == 100000
    assert _mrr(AOZORA) == 200000
    assert _import(HUBSPOT_DEALS_JA, accept_drift=True).plan.summary == (
        "created 0, updated 0, unchanged 1, rejected 2"
    )


def test_a_deal_of_a_company_not_imported_is_rejected(world: World) -> None:
    result = _import(HUBSPOT_DEALS_JA)
    assert [(r.line, r.code, r.value) for r in result.plan.rejected] == [
        (2, "unknown_account", AOZORA),
        (3, "deal_not_won", "失注"),
        (4, "deal_not_won", "契約書送付済み"),
    ]
    assert not SubscriptionLine.objects.exists()


def test_the_command_exits_1_when_deals_are_not_won(
    hubspot_companies: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hubspot-deals.csv"
    path.write_bytes(HUBSPOT_DEALS.encode("utf-8"))
    assert main(["import", "lines", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "hubspot-deals.csv: hubspot, utf-8-sig" in out
    assert "  line 3: rejected: deal_not_won (Closed Lost)\n" in out
    assert "  line 4: rejected: deal_not_won (Contract Sent)\n" in out
    assert out.rstrip().endswith(
        "dry run, nothing written: created 2, updated 0, unchanged 0, rejected 4"
    )
    assert not SubscriptionLine.objects.exists()
    assert main(["import", "lines", str(path), "--format", "hubspot"]) == 1
    assert (
        capsys.readouterr().out.rstrip().endswith("created 2, updated 0, unchanged 0, rejected 4")
    )
    # a view filtered to closed-won deals: nothing rejected, exit 0
    won = "".join(HUBSPOT_DEALS.splitlines(keepends=True)[i] for i in (0, 1, 5))
    path.write_bytes(won.encode("utf-8"))
    assert main(["import", "lines", str(path)]) == 0
    assert (
        capsys.readouterr().out.rstrip().endswith("created 0, updated 0, unchanged 2, rejected 0")
    )
    # Kizuna's own line file given as hubspot: refused whole, naming the column looked for
    path.write_text("subscription_id,customer_id,start_date,monthly_amount\n", encoding="utf-8")
    assert main(["import", "lines", str(path), "--format", "hubspot"]) == 2
    assert "external_id (Record ID / Deal ID / レコードID" in capsys.readouterr().err


HUBSPOT_COMPANIES_JA = (
    '\ufeff"レコードID","会社名","会社の所有者","業種","従業員数"\n'
    '"9876543212","株式会社ほくと","山田 太郎","COMPUTER_SOFTWARE","40"\n'
)


@pytest.mark.parametrize(
    ("text", "header"),
    [
        (HUBSPOT, "Company name"),
        (HUBSPOT_COMPANIES_JA, "会社の所有者"),
        (HUBSPOT_CONTACTS, "First Name"),
    ],
)
def test_a_company_or_contact_export_is_refused_by_the_line_import(
    hubspot_companies: None, text: str, header: str
) -> None:
    with pytest.raises(FileRefused) as refused:
        _import(text)
    assert (refused.value.code, refused.value.detail) == ("wrong_kind", header)
    run = ImportRun.objects.get(kind=ImportKind.LINES)
    assert (run.status, run.error) == (RunStatus.REFUSED, f"wrong_kind: {header}")
    assert not SubscriptionLine.objects.exists()


@pytest.mark.parametrize("service", [accounts_import, contacts_import, members_import])
@pytest.mark.parametrize(
    ("text", "header"), [(HUBSPOT_DEALS, "Deal Name"), (HUBSPOT_DEALS_JA, "取引名")]
)
def test_a_deal_export_is_refused_by_the_other_kinds(
    hubspot_companies: None, service: Any, text: str, header: str
) -> None:
    accounts = set(Account.objects.values_list("pk", "updated_at"))
    with pytest.raises(FileRefused) as refused:
        service(actor=None, data=text.encode("utf-8"), file_name="deals.csv")
    assert (refused.value.code, refused.value.detail) == ("wrong_kind", header)
    assert set(Account.objects.values_list("pk", "updated_at")) == accounts


def test_the_page_shows_the_deals_not_won_in_japanese(
    world: World, hubspot_companies: None
) -> None:
    client = Client()
    client.force_login(world.admin)
    url = reverse("imports:import", kwargs={"kind": "lines"})
    assert "HubSpot の取引エクスポート" in client.get(url).text
    data = HUBSPOT_DEALS.encode("utf-8")

    def upload() -> SimpleUploadedFile:
        return SimpleUploadedFile("deals.csv", data, content_type="text/csv")

    response = client.post(url, {"file": upload(), "action": "preview"})
    assert response.status_code == 200
    assert "試行: まだ何もインポートしていません" in response.text
    assert "取引のステージが「成約」ではありません。" in response.text
    assert "Contract Sent" in response.text
    digest = hashlib.sha256(data).hexdigest()
    form = {"file": upload(), "action": "import", "previewed": digest, "confirm": "yes"}
    assert client.post(url, form).status_code == 200
    assert sorted(SubscriptionLine.objects.values_list("external_id", flat=True)) == [
        "20001",
        "20005",
    ]
    run = ImportRun.objects.get(kind=ImportKind.LINES)
    assert (run.via, run.source, run.actor) == ("web", "hubspot", world.admin)


def test_the_drop_folder_imports_a_deal_export_after_its_companies(
    world: World, settings: Any, tmp_path: Path
) -> None:
    from kizuna.apps.imports.folder import import_folder_sync

    settings.IMPORT_DIR = tmp_path / "drop"
    settings.IMPORT_DIR.mkdir()
    (settings.IMPORT_DIR / "lines-deals-2026-11-29.csv").write_bytes(HUBSPOT_DEALS.encode())
    (settings.IMPORT_DIR / "accounts-companies.csv").write_bytes(HUBSPOT.encode())
    result = import_folder_sync(wait=lambda: None)
    assert result.imported == ["accounts-companies.csv", "lines-deals-2026-11-29.csv"]
    runs = ImportRun.objects.order_by("id").values_list("kind", "source", "created", "rejected")
    assert list(runs) == [("accounts", "hubspot", 2, 0), ("lines", "hubspot", 2, 4)]
