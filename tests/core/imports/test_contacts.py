"""The pure core of contact imports: formats, row checks, e-mails, the plan."""

from __future__ import annotations

import pytest

from kizuna.core.imports.accounts import Rejected, file_ids
from kizuna.core.imports.columns import (
    FileRefused,
    ImportMapping,
    detect_format,
    parse_mapping,
    resolve_columns,
)
from kizuna.core.imports.contacts import (
    CONTACT_FIELDS,
    CONTACT_REJECT_CODES,
    KIZUNA_CONTACTS,
    is_email,
    make_contact_plan,
    read_contact_rows,
)
from kizuna.core.imports.files import decode, read_table
from kizuna.core.imports.plan import Existing
from kizuna.integrations.contact_formats import CONTACT_FORMATS
from kizuna.integrations.hubspot.contacts import FORMAT as HUBSPOT
from kizuna.integrations.salesforce.contacts import FORMAT as SALESFORCE

# a Japanese-locale Salesforce contact report as Excel saves it: Shift_JIS, CRLF, full-width
# spaces in a name, the report's footer after a blank line
SF_CONTACTS_JA = (
    '"取引先責任者 ID","取引先 ID","取引先名","姓","名","メール","電話","役職","部署"\r\n'
    '"0035g00000QrStU","0015g00000AbCdE","株式会社さくら製作所","山田","太郎",'
    '"yamada@sakura.example.co.jp","03-1234-5678","部長","情報システム部"\r\n'
    '"0035g00000QrStV","0015g00000AbCdE","株式会社さくら製作所","佐藤　","花子",'
    '"","０３－９８７６－５４３２","","総務部"\r\n'
    "\r\n"
    '"総計 (2 レコード)"\r\n'
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\r\n'
)

HUBSPOT_CONTACTS = (
    "\ufeffRecord ID,First Name,Last Name,Email,Phone Number,Job Title,Associated Company IDs\n"
    "501,John,Smith,john@aozora.example.com,+1 555 0100,CTO,9876543210;9876543211\n"
)


NO_MAPPING = ImportMapping()


def _read(text: str, contact_format=SALESFORCE, mapping=NO_MAPPING, previous=None):
    table = read_table(text)
    columns = resolve_columns(table.headers, contact_format, mapping, previous=previous or {})
    return table, columns, *read_contact_rows(table, columns, contact_format)


def test_it_reads_a_shift_jis_japanese_contact_report() -> None:
    # given the report saved by Japanese Excel
    text, encoding = decode(SF_CONTACTS_JA.encode("cp932"))
    # when read with the Salesforce contact columns
    _t, _c, rows, rejected = _read(text)
    # then both rows, names last-first, the footer ignored, 部署 read past
    assert encoding == "cp932"
    assert rejected == []
    assert [
        (r.line, r.external_id, r.account_id, r.name, r.title, r.email, r.phone) for r in rows
    ] == [
        (
            2,
            "0035g00000QrStU",
            "0015g00000AbCdE",
            "山田 太郎",
            "部長",
            "yamada@sakura.example.co.jp",
            "03-1234-5678",
        ),
        (3, "0035g00000QrStV", "0015g00000AbCdE", "佐藤 花子", "", "", "03-9876-5432"),
    ]


def test_it_reads_a_hubspot_export_with_a_bom_and_several_companies() -> None:
    text, encoding = decode(HUBSPOT_CONTACTS.encode("utf-8"))
    assert detect_format(read_table(text).headers, list(CONTACT_FORMATS.values())) is HUBSPOT
    _t, _c, rows, rejected = _read(text, HUBSPOT)
    assert encoding == "utf-8-sig"
    assert rejected == []
    # an English name is first-last; the primary (first) company is the account
    assert (rows[0].name, rows[0].account_id, rows[0].title) == ("John Smith", "9876543210", "CTO")


def test_it_recognises_each_contact_format() -> None:
    formats = list(CONTACT_FORMATS.values())
    assert detect_format(["取引先責任者 ID", "取引先 ID", "姓"], formats).code == "salesforce"
    assert detect_format(["Id", "AccountId", "LastName", "Email"], formats).code == "salesforce"
    assert detect_format(["Record ID", "Company ID", "Email"], formats).code == "hubspot"
    assert detect_format(["external_id", "account_id", "name"], formats) is KIZUNA_CONTACTS
    with pytest.raises(FileRefused) as error:
        detect_format(["Foo", "Bar"], formats)
    assert error.value.code == "unknown_format"


@pytest.mark.parametrize(
    ("row", "code", "value"),
    [
        (",A1,名前,a@example.jp,", "no_id", ""),
        ("X" * 65 + ",A1,名前,,", "id_too_long", "X" * 65),
        ("C1,,名前,,", "no_account", "C1"),
        ("C1,A1,  ,,", "no_name", "C1"),
        ("C1,A1," + "名" * 101 + ",,", "name_too_long", "名" * 80),
        ("C1,A1,名前,not-an-email,", "bad_email", "not-an-email"),
        ("C1,A1,名前,a@@example.jp,", "bad_email", "a@@example.jp"),
        ("C1,A1,名前,a@example,", "bad_email", "a@example"),
        ("C1,A1,名前,,0" * 1 + "1" * 40, "phone_too_long", "0" + "1" * 40),
        ("C1,A1,名前,,,extra", "extra_cells", "6"),
    ],
)
def test_it_rejects_each_bad_row_with_its_line_and_reason(row: str, code: str, value: str) -> None:
    _t, _c, rows, rejected = _read(
        f"external_id,account_id,name,email,phone\n{row}\n", KIZUNA_CONTACTS
    )
    assert rows == []
    assert rejected == [Rejected(2, code, value)]
    assert code in CONTACT_REJECT_CODES


def test_it_rejects_every_row_of_a_duplicated_id() -> None:
    text = "external_id,account_id,name\nC1,A1,一\nC2,A1,二\nC1,A1,三\n"
    _t, _c, rows, rejected = _read(text, KIZUNA_CONTACTS)
    assert [r.external_id for r in rows] == ["C2"]
    assert rejected == [
        Rejected(2, "duplicate_id", "C1 (2, 4)"),
        Rejected(4, "duplicate_id", "C1 (2, 4)"),
    ]


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("yamada@example.co.jp", True),
        ("first.last+tag@sub.example.com", True),
        ("x@a-b.jp", True),
        ("", False),
        ("no-at.example.jp", False),
        ("two@@example.jp", False),
        ("space in@example.jp", False),
        (".dot@example.jp", False),
        ("dot..dot@example.jp", False),
        ("a@-bad.jp", False),
        ("a@example", False),
        ("山田@example.jp", False),
        ("a@" + "b" * 250 + ".jp", False),
    ],
)
def test_it_checks_e_mail_addresses(text: str, valid: bool) -> None:
    assert is_email(text) is valid


def test_it_refuses_a_file_without_the_account_column_and_drift() -> None:
    with pytest.raises(FileRefused) as error:
        _read("Id,LastName,Email\n003,Smith,a@b.jp\n")
    assert error.value.code == "missing_column"
    assert error.value.detail.startswith("account_id (AccountId / Account ID / 取引先 ID")
    # the last import had 役職; this export does not
    with pytest.raises(FileRefused) as error:
        _read("Id,AccountId,LastName\n003,001,Smith\n", previous={"title": "役職"})
    assert (error.value.code, error.value.detail) == ("drift", "title (役職)")


def test_the_mapping_file_names_contact_fields() -> None:
    fields = CONTACT_FIELDS
    mapping = parse_mapping('{"columns": {"title": "Role__c"}}', industry_codes=[], fields=fields)
    _t, _c, rows, _r = _read("Id,AccountId,LastName,Role__c\n003,001,Smith,VP\n", mapping=mapping)
    assert rows[0].title == "VP"
    with pytest.raises(FileRefused) as error:
        parse_mapping('{"columns": {"kana": "X"}}', industry_codes=[], fields=fields)
    assert (error.value.code, error.value.detail) == ("bad_mapping", "unknown field 'kana'")


def test_the_plan_creates_updates_field_by_field_rejects_unknown_accounts_and_lists_missing() -> (
    None
):
    text = (
        "external_id,account_id,name,email,title\n"
        "C1,A1,山田 太郎,yamada@example.jp,部長\n"
        "C2,A1,佐藤 花子,sato@example.jp,課長\n"
        "C3,A9,鈴木 一郎,,\n"
        "C4,A2,高橋 三郎,,\n"
        "C5,A1,伊藤 四郎,,\n"
    )
    table, columns, rows, rejected = _read(text, KIZUNA_CONTACTS)
    existing = {
        "C1": Existing(
            1,
            "kizuna",
            {
                "account": "A1",
                "name": "山田 太郎",
                "email": "yamada@example.jp",
                "title": "部長",
                "phone": "03",
            },
        ),
        "C2": Existing(
            2,
            "kizuna",
            {
                "account": "A2",
                "name": "佐藤 花子",
                "email": "old@example.jp",
                "title": "課長",
                "phone": "",
            },
        ),
        "C5": Existing(
            5,
            "hubspot",
            {"account": "A1", "name": "伊藤 四郎", "email": "", "title": "", "phone": ""},
        ),
    }
    plan = make_contact_plan(
        rows,
        rejected,
        source="kizuna",
        existing=existing,
        accounts={"A1", "A2"},
        source_ids={"C1", "C2", "C8", "C9"},
        file_ids=file_ids(table, columns),
    )
    assert plan.unchanged == ("C1",)  # its phone is not in the file: kept, not a change
    assert [(c.external_id, dict(c.changes)) for c in plan.updated] == [
        ("C2", {"account": ("A2", "A1"), "email": ("old@example.jp", "sato@example.jp")})
    ]
    assert [(c.external_id, c.values["account"]) for c in plan.created] == [("C4", "A2")]
    assert plan.rejected == (
        Rejected(4, "unknown_account", "A9"),
        Rejected(6, "other_source", "hubspot"),
    )
    assert plan.missing == ("C8", "C9")
    assert plan.summary == "created 1, updated 1, unchanged 1, rejected 2"


def test_every_contact_format_maps_only_contact_fields() -> None:
    for contact_format in CONTACT_FORMATS.values():
        assert set(contact_format.columns) <= set(CONTACT_FIELDS)
        assert contact_format.fields == CONTACT_FIELDS
