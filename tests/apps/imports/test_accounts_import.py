"""``accounts_import``: upsert by external id, the dry run, audit, drift, the kill test."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.customers.models import Account, Industry
from kizuna.apps.imports.models import ImportRun, RunStatus, SavedMapping
from kizuna.apps.imports.services import accounts_import
from kizuna.core.imports.columns import KIZUNA, FileRefused
from tests.apps.imports.conftest import HUBSPOT, SF_REPORT_JA
from tests.factories import AccountFactory, UserFactory, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def yamada(world: World) -> Any:
    return UserFactory(
        username="yamada",
        email="yamada@example.co.jp",
        display_name="山田 太郎",
        team=world.strategic,
    )


def _import(text: str, encoding: str = "cp932", **options: Any) -> Any:
    return accounts_import(
        actor=None, data=text.encode(encoding), file_name="取引先.csv", **options
    )


def test_it_imports_a_shift_jis_salesforce_report(world: World, yamada: Any) -> None:
    # given an empty CRM side and the Japanese report in Shift_JIS
    # when imported
    result = _import(SF_REPORT_JA)
    # then three accounts exist with their owners (and the owner's team), nothing rejected
    assert (result.encoding, result.source, result.plan.summary) == (
        "cp932",
        "salesforce",
        "created 3, updated 0, unchanged 0, rejected 0",
    )
    sakura = Account.objects.get(external_crm_id="0015g00000AbCdE")
    assert (sakura.name, sakura.industry, sakura.employee_count, sakura.crm_source) == (
        "株式会社さくら製作所",
        Industry.MANUFACTURING,
        1200,
        "salesforce",
    )
    assert (sakura.owner, sakura.team) == (yamada, world.strategic)
    aozora = Account.objects.get(external_crm_id="0015g00000AbCdG")
    assert (aozora.owner, aozora.employee_count, aozora.industry) == (None, None, Industry.IT)
    assert result.plan.unmatched_owners == (("高橋 三郎", 1),)
    # and the run, the audit trail and the columns for the next drift check are kept
    run = ImportRun.objects.get()
    assert (run.status, run.created, run.rejected, run.encoding) == (
        RunStatus.IMPORTED,
        3,
        0,
        "cp932",
    )
    assert run.unmatched_owners == [["高橋 三郎", 1]]
    events = AuditEvent.objects.filter(account=sakura)
    assert [(e.action, e.via, e.changes["employee_count"]) for e in events] == [
        (AuditAction.CREATE, "cli", [None, 1200])
    ]
    assert SavedMapping.objects.get().columns["employee_count"] == "従業員数"


def test_a_second_import_of_the_same_file_changes_nothing(world: World, yamada: Any) -> None:
    _import(SF_REPORT_JA)
    before = list(Account.objects.order_by("id").values())
    events = AuditEvent.objects.count()
    # when the same file is imported again
    result = _import(SF_REPORT_JA)
    # then every row is unchanged, no account or audit event is added, nothing is rewritten
    assert result.plan.summary == "created 0, updated 0, unchanged 3, rejected 0"
    assert list(Account.objects.order_by("id").values()) == before
    assert AuditEvent.objects.count() == events


def test_an_edited_export_updates_only_what_changed(world: World, yamada: Any) -> None:
    _import(SF_REPORT_JA)
    sakura = Account.objects.get(external_crm_id="0015g00000AbCdE")
    sakura.kana = "サクラセイサクショ"  # typed in Kizuna; the report has no kana column
    sakura.save()
    # given the export after two edits in Salesforce: a new name and a new head count
    edited = SF_REPORT_JA.replace("合同会社みどり商店", "株式会社みどり").replace("１２", "１５")
    # when imported (a dry run first)
    preview = _import(edited, dry_run=True)
    assert [dict(c.changes) for c in preview.plan.updated] == [
        {"name": ("合同会社みどり商店", "株式会社みどり"), "employee_count": (12, 15)}
    ]
    assert Account.objects.filter(name="株式会社みどり").count() == 0
    result = _import(edited)
    # then that one account changed those two fields, and nothing else changed
    assert result.plan.summary == "created 0, updated 1, unchanged 2, rejected 0"
    midori = Account.objects.get(external_crm_id="0015g00000AbCdF")
    assert (midori.name, midori.employee_count) == ("株式会社みどり", 15)
    assert Account.objects.get(pk=sakura.pk).kana == "サクラセイサクショ"
    event = AuditEvent.objects.filter(account=midori, action=AuditAction.UPDATE).get()
    assert event.changes == {
        "name": ["合同会社みどり商店", "株式会社みどり"],
        "employee_count": [12, 15],
    }


def test_a_dry_run_writes_nothing(world: World, yamada: Any) -> None:
    accounts, events = Account.objects.count(), AuditEvent.objects.count()
    result = _import(SF_REPORT_JA, dry_run=True)
    assert result.plan.summary == "created 3, updated 0, unchanged 0, rejected 0"
    assert result.run is None
    assert (Account.objects.count(), AuditEvent.objects.count()) == (accounts, events)
    assert not ImportRun.objects.exists() and not SavedMapping.objects.exists()


def test_rows_missing_from_a_later_export_are_listed_never_deleted(
    world: World, yamada: Any
) -> None:
    _import(SF_REPORT_JA)
    shorter = SF_REPORT_JA.replace(
        '"0015g00000AbCdG","株式会社あおぞら","","高橋 三郎","テクノロジー","","クラウド"\r\n', ""
    )
    result = _import(shorter)
    assert result.plan.missing == ("0015g00000AbCdG",)
    assert Account.objects.filter(external_crm_id="0015g00000AbCdG").exists()
    assert ImportRun.objects.first().missing == 1  # type: ignore[union-attr]


def test_bad_rows_are_rejected_and_the_good_ones_kept(world: World) -> None:
    text = (
        "external_id,name,industry,employee_count\n"
        "K1,株式会社良,製造,10\n"
        "K2,,小売,3\n"
        "K3,株式会社巨大,it,99999999999\n"
        "K1,株式会社重複,it,1\n"
        'K4,"株式会社\n改行",it,1\n'
    )
    result = _import(text, "utf-8")
    assert [(r.line, r.code) for r in result.plan.rejected] == [
        (2, "duplicate_id"),
        (3, "no_name"),
        (4, "number_too_large"),
        (5, "duplicate_id"),
    ]
    assert list(Account.objects.filter(crm_source="kizuna").values_list("name", flat=True)) == [
        "株式会社 改行"
    ]
    assert ImportRun.objects.get().rejects[1] == {"line": 3, "code": "no_name", "value": "K2"}


def test_an_account_typed_in_kizuna_is_adopted_and_another_crms_is_refused(world: World) -> None:
    # given an account typed in Kizuna with its HubSpot id, and one imported from Salesforce
    typed = AccountFactory(
        external_crm_id="9876543210", name="Aozora KK", industry=Industry.IT, employee_count=40
    )
    AccountFactory(external_crm_id="9876543211", crm_source="salesforce")
    # when the HubSpot export is imported
    result = _import(HUBSPOT, "utf-8")
    # then the typed one is HubSpot's from now on; the Salesforce one is not touched
    assert [dict(c.changes) for c in result.plan.updated] == [{"source": ("", "hubspot")}]
    assert Account.objects.get(pk=typed.pk).crm_source == "hubspot"
    assert [(r.line, r.code, r.value) for r in result.plan.rejected] == [
        (3, "other_source", "salesforce")
    ]


def test_hubspot_owners_match_by_e_mail_and_unknown_ones_are_listed(
    world: World, yamada: Any
) -> None:
    result = _import(HUBSPOT, "utf-8")
    assert result.encoding == "utf-8-sig"
    assert Account.objects.get(external_crm_id="9876543210").owner == yamada
    hokuto = Account.objects.get(external_crm_id="9876543211")
    assert (hokuto.name, hokuto.employee_count, hokuto.owner) == ("Hokuto, Inc.", 1500, None)
    assert result.plan.unmatched_owners == (("Nobody Known", 1),)


def test_a_mapping_file_names_custom_columns_and_crm_user_ids(world: World, yamada: Any) -> None:
    export = (
        "Id,Name,Furigana__c,OwnerId,Industry\n001A,株式会社さくら,サクラ,0055g00000XyZaB,SaaS\n"
    )
    mapping = (
        '{"columns": {"kana": "Furigana__c"}, "owners": {"0055g00000XyZaB": "yamada"},'
        ' "industries": {"SaaS": "it"}}'
    )
    _import(export, "utf-8", mapping_text=mapping)
    account = Account.objects.get(external_crm_id="001A")
    assert (account.kana, account.owner, account.industry) == ("サクラ", yamada, Industry.IT)
    # the mapping is saved for the source: the next import uses it without the file
    assert SavedMapping.objects.get(source="salesforce").mapping["owners"] == {
        "0055g00000XyZaB": "yamada"
    }
    result = _import(export.replace("サクラ", "サクラ2"), "utf-8")
    assert [dict(c.changes) for c in result.plan.updated] == [{"kana": ("サクラ", "サクラ2")}]


def test_a_renamed_column_refuses_the_whole_file(world: World, yamada: Any) -> None:
    _import(SF_REPORT_JA)
    renamed = SF_REPORT_JA.replace("従業員数", "従業員数(人)").replace("１５", "１６")
    with pytest.raises(FileRefused) as error:
        _import(renamed)
    assert (error.value.code, error.value.detail) == ("drift", "employee_count (従業員数)")
    refused = ImportRun.objects.filter(status=RunStatus.REFUSED).get()
    assert refused.error == "drift: employee_count (従業員数)"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("取引先名,従業員数\n株式会社さくら,1\n".encode("cp932"), "missing_column"),
        (b"\x00\x01\x02binary", "encoding"),
        (b"", "empty"),
        ("電話,住所\n03,東京\n".encode(), "unknown_format"),
    ],
)
def test_a_file_it_cannot_read_is_refused_and_nothing_written(
    world: World, data: bytes, code: str
) -> None:
    accounts = Account.objects.count()
    with pytest.raises(FileRefused) as error:
        accounts_import(actor=None, data=data, file_name="x.csv")
    assert error.value.code == code
    assert Account.objects.count() == accounts


def test_a_kill_mid_import_leaves_nothing(world: World, yamada: Any) -> None:
    # given an import that dies after its first batch is written (the process killed)
    rows = "".join(f"K{n},株式会社{n}\n" for n in range(4500))
    accounts, events = Account.objects.count(), AuditEvent.objects.count()

    def die(done: int, total: int) -> None:
        if done >= 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _import("external_id,name\n" + rows, "utf-8", progress=die)
    # then no account, audit event or run is left; the same import from the start succeeds
    assert (Account.objects.count(), AuditEvent.objects.count()) == (accounts, events)
    assert not ImportRun.objects.exists()
    assert _import("external_id,name\n" + rows, "utf-8").plan.summary.startswith("created 4,500,")


def test_every_industry_code_the_formats_write_is_an_account_industry() -> None:
    assert set(KIZUNA.industries.values()) == set(Industry.values)
