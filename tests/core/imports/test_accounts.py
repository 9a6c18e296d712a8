"""The pure core of account imports: decoding, columns, row checks, the plan."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.core.imports.accounts import AccountRow, Rejected, file_ids, parse_count, read_rows
from kizuna.core.imports.columns import (
    FIELDS,
    KIZUNA,
    FileRefused,
    ImportMapping,
    detect_format,
    parse_mapping,
    resolve_columns,
)
from kizuna.core.imports.files import CsvError, decode, read_table
from kizuna.core.imports.plan import Existing, Member, OwnerDirectory, make_plan
from kizuna.integrations.account_formats import ACCOUNT_FORMATS
from kizuna.integrations.hubspot.accounts import FORMAT as HUBSPOT
from kizuna.integrations.salesforce.accounts import FORMAT as SALESFORCE

INDUSTRY_CODES = sorted(set(KIZUNA.industries.values()))

# a Japanese-locale Salesforce account report as Excel saves it: Shift_JIS, CRLF, a quoted
# description with a line break, full-width digits, the report's footer after a blank line
SF_REPORT_JA = (
    '"取引先 ID","取引先名","親取引先 ID","取引先 所有者","業種","従業員数","説明"\r\n'
    '"0015g00000AbCdE","株式会社さくら製作所","","田中 太郎","製造","１，２００","精密部品\r\n'
    '第二工場あり"\r\n'
    '"0015g00000AbCdF","合同会社みどり商店","0015g00000AbCdE","佐藤 花子","小売","１２",""\r\n'
    "\r\n"
    '"総計 (2 レコード)"\r\n'
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\r\n'
)


NO_MAPPING = ImportMapping()


def _read(text: str, account_format=SALESFORCE, mapping=NO_MAPPING, previous=None):
    table = read_table(text)
    columns = resolve_columns(table.headers, account_format, mapping, previous=previous or {})
    return table, columns, *read_rows(table, columns, account_format, mapping)


def test_it_reads_a_shift_jis_japanese_report_with_quoted_newlines_and_full_width_digits() -> None:
    # given the report saved by Japanese Excel (Shift_JIS)
    text, encoding = decode(SF_REPORT_JA.encode("cp932"))
    # when read with the Salesforce columns
    _table, _columns, rows, rejected = _read(text)
    # then both rows are read, the footer ignored, the digits normalised
    assert encoding == "cp932"
    assert rejected == []
    assert [
        (r.line, r.external_id, r.name, r.owner, r.industry, r.employee_count) for r in rows
    ] == [
        (2, "0015g00000AbCdE", "株式会社さくら製作所", "田中 太郎", "manufacturing", 1200),
        (3, "0015g00000AbCdF", "合同会社みどり商店", "佐藤 花子", "retail", 12),
    ]
    assert rows[1].parent_id == "0015g00000AbCdE"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (SF_REPORT_JA.encode("utf-8-sig"), "utf-8-sig"),
        (SF_REPORT_JA.encode("utf-8"), "utf-8"),
        (SF_REPORT_JA.encode("cp932"), "cp932"),
        ("Id,Name\n001,ｶﾌﾞｼｷｶﾞｲｼｬｱｵｿﾞﾗ\n".encode("cp932"), "cp932"),
    ],
)
def test_it_detects_the_encoding(data: bytes, expected: str) -> None:
    # given the same text in each encoding (half-width kana too: a detector read it as Korean)
    # when decoded, then the encoding is named and the text is the original
    text, encoding = decode(data)
    assert encoding == expected
    assert "ｶﾌﾞｼｷｶﾞｲｼｬｱｵｿﾞﾗ" in text or "株式会社さくら製作所" in text


def test_it_refuses_binary_and_oversized_files() -> None:
    with pytest.raises(CsvError) as error:
        decode(b"PK\x03\x04\x00\x00binary")
    assert error.value.code == "encoding"
    with pytest.raises(CsvError) as error:
        decode(b"Id,Name\n" * 10, max_bytes=20)
    assert error.value.code == "too_large"


def test_it_reads_a_salesforce_data_export_and_a_hubspot_export() -> None:
    # given the Data Export's API names and a HubSpot companies export
    export = (
        "Id,IsDeleted,Name,Type,ParentId,BillingState,Industry,NumberOfEmployees,OwnerId\n"
        "0015g00000AbCdEAAV,false,Sakura Works,Customer - Direct,,東京都,Technology,350,"
        "0055g00000XyZaBAAV\n"
    )
    hubspot = (
        "Record ID,Company name,Company owner,Parent Company,Industry,Number of Employees\n"
        "9876543210,Aozora KK,Hanako Sato,,COMPUTER_SOFTWARE,40\n"
    )
    # when read
    _t, _c, sf_rows, _ = _read(export)
    _t, _c, hs_rows, _ = _read(hubspot, HUBSPOT)
    # then each gives the same fields
    assert (sf_rows[0].external_id, sf_rows[0].owner, sf_rows[0].industry) == (
        "0015g00000AbCdEAAV",
        "0055g00000XyZaBAAV",
        "it",
    )
    assert (hs_rows[0].external_id, hs_rows[0].name, hs_rows[0].industry) == (
        "9876543210",
        "Aozora KK",
        "it",
    )
    assert hs_rows[0].employee_count == 40


def test_it_recognises_the_format_from_the_headers() -> None:
    formats = list(ACCOUNT_FORMATS.values())
    assert detect_format(["取引先 ID", "取引先名"], formats).code == "salesforce"
    assert detect_format(["Id", "Name"], formats).code == "salesforce"
    assert detect_format(["Record ID", "Company name"], formats).code == "hubspot"
    assert detect_format(["external_id", "name", "kana"], formats).code == "kizuna"
    assert (
        detect_format(["取引先名", "従業員数"], formats).code == "salesforce"
    )  # no id: named later
    with pytest.raises(FileRefused) as error:
        detect_format(["会社", "電話"], formats)
    assert error.value.code == "unknown_format"


@pytest.mark.parametrize(
    ("line", "code", "value"),
    [
        ('"",株式会社空,10', "no_id", ""),
        ('"' + "9" * 65 + '",株式会社長,10', "id_too_long", "9" * 65),
        ("A3,,10", "no_name", "A3"),
        ("A4,   ,10", "no_name", "A4"),
        ("A5," + "名" * 201 + ",10", "name_too_long", "名" * 80),
        ("A6,株式会社負,-5", "bad_number", "-5"),
        ("A7,株式会社小数,12.5", "bad_number", "12.5"),
        ("A8,株式会社大,99999999999999999999999", "number_too_large", "99999999999999999999999"),
        ("A9,株式会社大,2147483648", "number_too_large", "2147483648"),
        ("A10,株式会社余,10,extra", "extra_cells", "4"),
        ("A11,株式会社文字,十人", "bad_number", "十人"),
    ],
)
def test_it_rejects_each_bad_row_with_its_line_and_reason(line: str, code: str, value: str) -> None:
    # given a good row and a bad one
    text = f"external_id,name,employee_count\nA1,株式会社良,2\n{line}\n"
    # when read
    _t, _c, rows, rejected = _read(text, KIZUNA)
    # then the good row is kept and the bad one rejected at line 3
    assert [row.external_id for row in rows] == ["A1"]
    assert rejected == [Rejected(3, code, value)]


def test_it_rejects_every_row_of_a_duplicated_id() -> None:
    text = "external_id,name\nA1,一\nA2,二\nA1,三\n"
    table, columns, rows, rejected = _read(text, KIZUNA)
    assert [row.external_id for row in rows] == ["A2"]
    assert rejected == [
        Rejected(2, "duplicate_id", "A1 (2, 4)"),
        Rejected(4, "duplicate_id", "A1 (2, 4)"),
    ]
    assert file_ids(table, columns) == {"A1", "A2"}


def test_it_reads_counts_as_written_in_japan() -> None:
    assert parse_count("１，２００", maximum=10**9) == (1200, "")
    assert parse_count(" 1,200 ", maximum=10**9) == (1200, "")
    assert parse_count("", maximum=10) == (None, "")
    assert parse_count("0", maximum=10) == (0, "")
    assert parse_count("11", maximum=10) == (None, "number_too_large")
    assert parse_count("１２,３", maximum=10**9) == (None, "bad_number")


def test_it_refuses_a_file_without_a_required_column_naming_it() -> None:
    table = read_table("取引先名,従業員数\n株式会社さくら,10\n")
    with pytest.raises(FileRefused) as error:
        resolve_columns(table.headers, SALESFORCE, ImportMapping(), previous={})
    assert error.value.code == "missing_column"
    assert error.value.detail.startswith("external_id (Id / Account ID / 取引先 ID")


def test_it_refuses_drift_a_column_of_the_last_import_gone() -> None:
    # given the last import found 従業員数, and this export renamed it
    table = read_table("取引先 ID,取引先名,従業員数(人)\n001,株式会社さくら,10\n")
    previous = {"external_id": "取引先 ID", "name": "取引先名", "employee_count": "従業員数"}
    # when the columns are resolved, then the file is refused naming the column
    with pytest.raises(FileRefused) as error:
        resolve_columns(table.headers, SALESFORCE, ImportMapping(), previous=previous)
    assert (error.value.code, error.value.detail) == ("drift", "employee_count (従業員数)")
    # and a mapping naming the new header (or accepting the drift) lets it through
    mapped = ImportMapping(columns={"employee_count": "従業員数(人)"})
    assert (
        resolve_columns(table.headers, SALESFORCE, mapped, previous=previous)["employee_count"] == 2
    )
    assert "employee_count" not in resolve_columns(
        table.headers, SALESFORCE, ImportMapping(), previous=previous, accept_drift=True
    )


def test_it_reads_the_mapping_file_and_refuses_a_wrong_one() -> None:
    mapping = parse_mapping(
        '{"columns": {"kana": "Furigana__c"}, "owners": {"0055g00000XyZaB": "tanaka"},'
        ' "industries": {"ＳａａＳ": "it"}}',
        industry_codes=INDUSTRY_CODES,
    )
    assert mapping.columns == {"kana": "Furigana__c"}
    assert mapping.industries == {"saas": "it"}
    for text, detail in [
        ("{", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"colums": {}}', "unknown key 'colums'"),
        ('{"columns": {"mrr": "MRR"}}', "unknown field 'mrr'"),
        ('{"industries": {"x": "space"}}', "unknown industry 'space'"),
        ('{"owners": {"a": 1}}', '"owners" must map texts to texts'),
    ]:
        with pytest.raises(FileRefused) as error:
            parse_mapping(text, industry_codes=INDUSTRY_CODES)
        assert error.value.code == "bad_mapping"
        assert error.value.detail.startswith(detail)


def _row(external_id: str, line: int = 2, **values: object) -> AccountRow:
    given = frozenset({"external_id", "name", *values})
    return AccountRow(
        line=line, external_id=external_id, given=given, name="株式会社さくら", **values
    )  # type: ignore[arg-type]


MEMBERS = [
    Member(id=1, username="tanaka", email="tanaka@example.co.jp", display_name="田中 太郎"),
    Member(id=2, username="sato", email="sato@example.co.jp", full_name="佐藤 花子"),
    Member(id=3, username="suzuki1", display_name="鈴木 一郎"),
    Member(id=4, username="suzuki2", display_name="鈴木一郎"),
]


def test_it_matches_owners_by_crm_id_e_mail_login_or_name() -> None:
    owners = OwnerDirectory(MEMBERS, {"0055g00000XyZaB": "tanaka@example.co.jp"})
    assert owners.match("0055g00000XyZaB") == 1
    assert owners.match("SATO@example.co.jp") == 2
    assert owners.match("tanaka") == 1
    assert owners.match("田中　太郎") == 1  # a full-width space
    assert owners.match("佐藤花子") == 2
    assert owners.match("鈴木 一郎") is None  # two members share the name
    assert owners.match("") is None


def test_the_plan_creates_updates_field_by_field_and_lists_what_is_missing() -> None:
    # given two accounts imported before and one typed in Kizuna with a CRM id
    existing = {
        "A": Existing(1, "salesforce", {"name": "株式会社さくら", "employee_count": 10}, owner=1),
        "B": Existing(2, "salesforce", {"name": "旧社名", "employee_count": 5}, owner=1),
        "K": Existing(3, "", {"name": "株式会社さくら", "employee_count": None}),
        "H": Existing(4, "hubspot", {"name": "株式会社さくら"}),
    }
    rows = [
        _row("A", 2, employee_count=10, owner="田中 太郎"),
        _row("B", 3, employee_count=5, owner="佐藤 花子"),
        _row("K", 4, employee_count=None),
        _row("N", 5, employee_count=7, owner="山本 次郎"),
        _row("H", 6, employee_count=None),
    ]
    # when planned
    plan = make_plan(
        rows,
        [Rejected(7, "no_name", "R")],
        source="salesforce",
        existing=existing,
        source_ids={"A", "B", "GONE", "R"},
        file_ids={"A", "B", "K", "N", "H", "R"},
        owners=OwnerDirectory(MEMBERS, {}),
    )
    # then
    assert plan.unchanged == ("A",)
    assert [(c.external_id, dict(c.changes)) for c in plan.updated] == [
        ("B", {"name": ("旧社名", "株式会社さくら")}),
        ("K", {"source": ("", "salesforce")}),
    ]
    assert [(c.external_id, c.values["owner"]) for c in plan.created] == [("N", None)]
    assert plan.rejected == (Rejected(6, "other_source", "hubspot"), Rejected(7, "no_name", "R"))
    assert plan.missing == ("GONE",)
    assert plan.unmatched_owners == (("山本 次郎", 1),)
    assert plan.owner_differs == (("B", "佐藤 花子"),)
    assert plan.summary == "created 1, updated 2, unchanged 1, rejected 2"


def test_a_row_naming_itself_as_its_parent_is_rejected() -> None:
    text = "external_id,name,parent_id\nA1,株式会社親,\nA2,株式会社自己,A2\nA3,株式会社子,A1\n"
    _t, _c, rows, rejected = _read(text, KIZUNA)
    assert [(row.external_id, row.parent_id) for row in rows] == [("A1", ""), ("A3", "A1")]
    assert rejected == [Rejected(3, "self_parent", "A2")]


def _parents_plan(rows: list[AccountRow], stored: dict[str, str | None]) -> object:
    existing = {
        key: Existing(n, "salesforce", {"name": "株式会社さくら", "parent": parent})
        for n, (key, parent) in enumerate(stored.items(), start=1)
    }
    return make_plan(
        rows,
        [],
        source="salesforce",
        existing={k: v for k, v in existing.items() if k in {r.external_id for r in rows}},
        source_ids=set(stored),
        file_ids={r.external_id for r in rows},
        owners=OwnerDirectory(MEMBERS, {}),
        stored_parents={k: v for k, v in stored.items() if v is not None},
    )


def test_the_plan_compares_parents_by_crm_id_and_lists_unknown_ones_and_loops() -> None:
    # given stored: B under A, C under B; the file moves A under C (a loop through stored
    # links), adds N under B, N2 under a parent nobody has, and clears C's parent
    stored: dict[str, str | None] = {"A": None, "B": "A", "C": "B"}
    rows = [
        _row("A", 2, parent_id="C"),
        _row("N", 3, parent_id="B"),
        _row("N2", 4, parent_id="ZZ"),
        _row("C", 5, parent_id=""),
    ]
    plan: Any = _parents_plan(rows, stored)
    # then A under C closes no loop: C's own row decides C's link (cleared), so its stored
    # link under B does not count
    assert plan.parent_loops == ()
    assert [(c.external_id, dict(c.changes)) for c in plan.updated] == [
        ("A", {"parent": (None, "C")}),
        ("C", {"parent": ("B", None)}),
    ]
    assert [(c.external_id, c.values.get("parent")) for c in plan.created] == [
        ("N", "B"),
        ("N2", None),
    ]
    assert plan.unknown_parents == (("N2", "ZZ"),)


def test_the_plan_refuses_a_parent_below_the_row_through_stored_links() -> None:
    # given stored: B under A, C under B; a file naming only A, under C
    plan: Any = _parents_plan([_row("A", 2, parent_id="C")], {"A": None, "B": "A", "C": "B"})
    # then the link would close A → C → B → A: listed, not changed
    assert plan.parent_loops == (("A", "C"),)
    assert plan.updated == ()
    assert plan.unchanged == ("A",)


def test_every_format_maps_only_known_fields_and_industry_codes() -> None:
    for account_format in ACCOUNT_FORMATS.values():
        assert set(account_format.columns) <= set(FIELDS)
        assert set(account_format.industries.values()) <= set(INDUSTRY_CODES)
