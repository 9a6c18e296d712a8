"""``contacts_import``: upsert by the contact's CRM id, accounts by theirs, audit, drift, exits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.customers.models import Account, Contact
from kizuna.apps.imports.models import ImportKind, ImportRun, RunStatus, SavedMapping
from kizuna.apps.imports.services import accounts_import, contacts_import
from kizuna.cli import main
from kizuna.core.imports.columns import FileRefused
from tests.apps.imports.conftest import HUBSPOT, SF_REPORT_JA
from tests.factories import AccountFactory, ContactFactory, World

pytestmark = pytest.mark.django_db

# the contacts of SF_REPORT_JA's accounts, a Japanese contact report in Shift_JIS (部署 is
# read past), its footer
SF_CONTACTS_JA = (
    '"取引先責任者 ID","取引先 ID","姓","名","メール","電話","役職","部署"\r\n'
    '"0035g00000QrStU","0015g00000AbCdE","山田","太郎","yamada@sakura.example.co.jp",'
    '"03-1234-5678","部長","情報システム部"\r\n'
    '"0035g00000QrStV","0015g00000AbCdF","佐藤","花子","","０３－９８７６－５４３２","",""\r\n'
    '"0035g00000QrStW","0015g00000AbCdG","鈴木","一郎","suzuki@aozora.example.jp","","課長",""\r\n'
    "\r\n"
    '"総計 (3 レコード)"\r\n'
)

# HubSpot's contacts export (UTF-8 with a BOM) for HUBSPOT's companies
HUBSPOT_CONTACTS = (
    "\ufeffRecord ID,First Name,Last Name,Email,Phone Number,Job Title,Associated Company IDs\n"
    "501,John,Smith,john@aozora.example.com,+1 555 0100,CTO,9876543210\n"
    "502,Mary,Jones,mary@hokuto.example.com,,Buyer,9876543211;9876543210\n"
)


@pytest.fixture
def sf_accounts(world: World) -> None:
    accounts_import(actor=None, data=SF_REPORT_JA.encode("cp932"), file_name="取引先.csv")


def _import(text: str, encoding: str = "cp932", **options: Any) -> Any:
    return contacts_import(
        actor=None, data=text.encode(encoding), file_name="取引先責任者.csv", **options
    )


def test_it_imports_a_shift_jis_salesforce_contact_report(sf_accounts: None) -> None:
    result = _import(SF_CONTACTS_JA)
    assert (result.encoding, result.source, result.plan.summary) == (
        "cp932",
        "salesforce",
        "created 3, updated 0, unchanged 0, rejected 0",
    )
    yamada = Contact.objects.get(external_crm_id="0035g00000QrStU")
    assert (yamada.name, yamada.email, yamada.phone, yamada.title, yamada.crm_source) == (
        "山田 太郎",
        "yamada@sakura.example.co.jp",
        "03-1234-5678",
        "部長",
        "salesforce",
    )
    assert yamada.account == Account.objects.get(external_crm_id="0015g00000AbCdE")
    assert Contact.objects.get(external_crm_id="0035g00000QrStV").phone == "03-9876-5432"
    # one audit event per contact, on the contact's account; the run and the columns kept
    events = AuditEvent.objects.filter(entity="contact", entity_id=yamada.pk)
    assert [(e.action, e.via, e.account_id, e.changes["account"]) for e in events] == [
        (AuditAction.CREATE, "cli", yamada.account_id, [None, "0015g00000AbCdE"])
    ]
    run = ImportRun.objects.get(kind=ImportKind.CONTACTS)
    assert (run.status, run.source, run.created, run.encoding) == (
        RunStatus.IMPORTED,
        "salesforce",
        3,
        "cp932",
    )
    saved = SavedMapping.objects.get(kind=ImportKind.CONTACTS)
    assert (saved.source, saved.columns["title"]) == ("salesforce", "役職")


def test_hubspot_contacts_with_a_bom_find_their_companies(world: World) -> None:
    accounts_import(actor=None, data=HUBSPOT.encode("utf-8"), file_name="companies.csv")
    result = _import(HUBSPOT_CONTACTS, "utf-8")
    assert (result.encoding, result.source, result.plan.summary) == (
        "utf-8-sig",
        "hubspot",
        "created 2, updated 0, unchanged 0, rejected 0",
    )
    mary = Contact.objects.get(external_crm_id="502")
    assert (mary.name, mary.title, mary.account.external_crm_id) == (
        "Mary Jones",
        "Buyer",
        "9876543211",
    )


def test_re_import_changes_nothing_and_an_edit_updates_only_what_changed(
    sf_accounts: None,
) -> None:
    _import(SF_CONTACTS_JA)
    before = list(Contact.objects.order_by("id").values())
    events = AuditEvent.objects.count()
    # the same file again: all unchanged, nothing written
    assert _import(SF_CONTACTS_JA).plan.summary == "created 0, updated 0, unchanged 3, rejected 0"
    assert list(Contact.objects.order_by("id").values()) == before
    assert AuditEvent.objects.count() == events
    # an edited export: 鈴木 moves to さくら and gets a new e-mail; 山田's title changes
    edited = SF_CONTACTS_JA.replace(
        '"0015g00000AbCdG","鈴木","一郎","suzuki@aozora.example.jp"',
        '"0015g00000AbCdE","鈴木","一郎","suzuki@sakura.example.co.jp"',
    ).replace('"部長"', '"本部長"')
    result = _import(edited)
    assert result.plan.summary == "created 0, updated 2, unchanged 1, rejected 0"
    assert [(c.external_id, dict(c.changes)) for c in result.plan.updated] == [
        ("0035g00000QrStU", {"title": ("部長", "本部長")}),
        (
            "0035g00000QrStW",
            {
                "account": ("0015g00000AbCdG", "0015g00000AbCdE"),
                "email": ("suzuki@aozora.example.jp", "suzuki@sakura.example.co.jp"),
            },
        ),
    ]
    suzuki = Contact.objects.get(external_crm_id="0035g00000QrStW")
    assert (suzuki.account.external_crm_id, suzuki.name) == ("0015g00000AbCdE", "鈴木 一郎")
    event = AuditEvent.objects.filter(entity="contact", entity_id=suzuki.pk).latest("id")
    assert (event.action, event.account_id) == (AuditAction.UPDATE, suzuki.account_id)
    assert set(event.changes) == {"account", "email"}
    # rows missing from a later export are listed, never deleted
    shorter = "\r\n".join(SF_CONTACTS_JA.split("\r\n")[:2]) + "\r\n"
    result = _import(shorter)
    assert result.plan.missing == ("0035g00000QrStV", "0035g00000QrStW")
    assert Contact.objects.filter(crm_source="salesforce").count() == 3


def test_unknown_accounts_bad_e_mails_and_duplicates_are_rejected_good_rows_kept(
    sf_accounts: None,
) -> None:
    # a HubSpot company id in a Salesforce file is not a Salesforce account
    text = (
        "Id,AccountId,LastName,FirstName,Email\n"
        "0031,0015g00000AbCdE,Tanaka,Ken,ken@example.jp\n"
        "0032,9876543210,Sato,Yu,\n"
        "0033,0015g00000AbCdE,Kato,Ai,kato@@example.jp\n"
        "0034,0015g00000AbCdE,Ito,Jo,\n"
        "0034,0015g00000AbCdF,Ito,Jo,\n"
        "0035,,Mori,Ko,\n"
    )
    result = _import(text, "utf-8")
    assert [(r.line, r.code, r.value) for r in result.plan.rejected] == [
        (3, "unknown_account", "9876543210"),
        (4, "bad_email", "kato@@example.jp"),
        (5, "duplicate_id", "0034 (5, 6)"),
        (6, "duplicate_id", "0034 (5, 6)"),
        (7, "no_account", "0035"),
    ]
    assert result.plan.summary == "created 1, updated 0, unchanged 0, rejected 5"
    assert list(Contact.objects.filter(crm_source="salesforce").values_list("name", flat=True)) == [
        "Ken Tanaka"
    ]
    run = ImportRun.objects.get(kind=ImportKind.CONTACTS)
    assert run.rejects[0] == {"line": 3, "code": "unknown_account", "value": "9876543210"}


def test_a_contact_of_another_crm_is_refused(world: World, sf_accounts: None) -> None:
    contact = ContactFactory(account=Account.objects.get(external_crm_id="0015g00000AbCdE"))
    Contact.objects.filter(pk=contact.pk).update(external_crm_id="0031", crm_source="hubspot")
    result = _import("Id,AccountId,LastName\n0031,0015g00000AbCdE,Tanaka\n", "utf-8")
    assert [(r.line, r.code) for r in result.plan.rejected] == [(2, "other_source")]


def test_drift_refuses_the_whole_file_and_a_dry_run_writes_nothing(sf_accounts: None) -> None:
    dry = _import(SF_CONTACTS_JA, dry_run=True)
    assert dry.plan.summary == "created 3, updated 0, unchanged 0, rejected 0"
    assert not Contact.objects.filter(crm_source="salesforce").exists()
    assert not ImportRun.objects.filter(kind=ImportKind.CONTACTS).exists()
    _import(SF_CONTACTS_JA)
    # 役職 renamed in the CRM: refused, named, nothing written, the refusal kept as a run
    renamed = SF_CONTACTS_JA.replace('"役職"', '"肩書き"').replace('"部長"', '"本部長"')
    with pytest.raises(FileRefused) as error:
        _import(renamed, file_format="salesforce")
    assert (error.value.code, error.value.detail) == ("drift", "title (役職)")
    assert Contact.objects.get(external_crm_id="0035g00000QrStU").title == "部長"
    refused = ImportRun.objects.filter(kind=ImportKind.CONTACTS).latest("id")
    assert (refused.status, refused.error) == (RunStatus.REFUSED, "drift: title (役職)")
    # with --accept-drift it imports, leaving the title as it was
    result = _import(renamed, accept_drift=True)
    assert result.plan.summary == "created 0, updated 0, unchanged 3, rejected 0"


def test_a_kill_mid_import_leaves_nothing(sf_accounts: None) -> None:
    rows = "".join(f"C{n},0015g00000AbCdE,担当{n}\n" for n in range(2500))
    contacts, events = Contact.objects.count(), AuditEvent.objects.count()

    def die(done: int, total: int) -> None:
        if done >= 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _import("Id,AccountId,LastName\n" + rows, "utf-8", progress=die)
    assert (Contact.objects.count(), AuditEvent.objects.count()) == (contacts, events)
    assert not ImportRun.objects.filter(kind=ImportKind.CONTACTS).exists()


def test_the_command_exits_0_1_and_2(
    sf_accounts: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "取引先責任者.csv"
    good.write_bytes(SF_CONTACTS_JA.encode("cp932"))
    assert main(["import", "contacts", str(good), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "取引先責任者.csv: salesforce, cp932" in out
    assert out.rstrip().endswith(
        "dry run, nothing written: created 3, updated 0, unchanged 0, rejected 0"
    )
    assert main(["import", "contacts", str(good), "--format", "salesforce"]) == 0
    assert (
        capsys.readouterr().out.rstrip().endswith("created 3, updated 0, unchanged 0, rejected 0")
    )
    # Kizuna's CSV: a bad e-mail and unknown accounts (Salesforce's account is not Kizuna's;
    # an account typed in Kizuna with a CRM ID is): exit 1, the good row kept
    typed = AccountFactory(external_crm_id="T1")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "external_id,account_id,name,email\n"
        "K1,T1,良,ok@example.jp\n"
        "K2,T1,悪,bad\n"
        "K3,0015g00000AbCdE,無,\n",
        encoding="utf-8",
    )
    assert main(["import", "contacts", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.csv: kizuna, utf-8" in out
    assert "  line 3: rejected: bad_email (bad)\n" in out
    assert "  line 4: rejected: unknown_account (0015g00000AbCdE)\n" in out
    assert out.rstrip().endswith("created 1, updated 0, unchanged 0, rejected 2")
    assert list(Contact.objects.filter(crm_source="kizuna").values_list("account", "name")) == [
        (typed.pk, "良")
    ]
    # a file without the account column: refused whole, exit 2
    refused = tmp_path / "refused.csv"
    refused.write_text("Id,LastName\n003,Smith\n", encoding="utf-8")
    assert main(["import", "contacts", str(refused)]) == 2
    assert "refused: a required column is missing: account_id (AccountId" in capsys.readouterr().err
