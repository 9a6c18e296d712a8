"""Subscription-line rows: every reject reason, dates, amounts, the plan against stored lines,
and HubSpot's deal exports (closed-won deals are lines)."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.imports.accounts import Rejected
from kizuna.core.imports.columns import (
    AccountFormat,
    FileRefused,
    ImportMapping,
    detect_format,
    parse_mapping,
    resolve_columns,
)
from kizuna.core.imports.files import Table, decode, read_table
from kizuna.core.imports.lines import (
    KIZUNA_LINES,
    LINE_FIELDS,
    LINE_REJECT_CODES,
    LineRow,
    LineTargets,
    is_won,
    make_line_plan,
    parse_amount,
    parse_date,
    read_line_rows,
)
from kizuna.core.imports.plan import Existing, Plan
from kizuna.integrations.hubspot.deals import FORMAT as HUBSPOT
from kizuna.integrations.line_formats import LINE_FORMATS

pytestmark = pytest.mark.pure

HEADER = "subscription_id,customer_id,start_date,end_date,monthly_amount,product,seats,currency\n"


def _read(body: str, header: str = HEADER) -> tuple[list[LineRow], list[Rejected]]:
    table = read_table(header + body)
    columns = resolve_columns(table.headers, KIZUNA_LINES, ImportMapping(), previous={})
    return read_line_rows(table, columns, KIZUNA_LINES, currency="JPY")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-01", (dt.date(2026, 4, 1), "")),
        ("2026/4/1", (dt.date(2026, 4, 1), "")),
        ("２０２６－０４－０１", (dt.date(2026, 4, 1), "")),
        ("2026-04-01 00:00:00", (dt.date(2026, 4, 1), "")),
        ("0001-01-01", (dt.date(1, 1, 1), "")),
        ("9999-12-31", (dt.date(9999, 12, 31), "")),
        ("", (None, "")),
        ("2026-02-30", (None, "bad_date")),
        ("0000-01-01", (None, "bad_date")),
        ("2026-04-01x", (None, "bad_date")),
        ("01/04/2026", (None, "bad_date")),
        ("令和8年4月1日", (None, "bad_date")),
    ],
)
def test_a_date_is_year_month_day(text: str, expected: tuple[object, str]) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200", (1200, "")),
        ("1,200", (1200, "")),
        ("１２００", (1200, "")),
        ("1200.0", (1200, "")),
        ("+5", (5, "")),
        ("0", (0, "")),
        (str(2**63 - 1), (2**63 - 1, "")),
        (str(2**63), (None, "amount_too_large")),
        ("9" * 40, (None, "amount_too_large")),
        ("-1", (None, "bad_amount")),
        ("12.5", (None, "bad_amount")),
        ("", (None, "bad_amount")),
        ("¥1200", (None, "bad_amount")),
        ("1e3", (None, "bad_amount")),
    ],
)
def test_an_amount_is_whole_minor_units(text: str, expected: tuple[object, str]) -> None:
    assert parse_amount(text, maximum=2**63 - 1) == expected


def test_every_reject_reason_with_its_line() -> None:
    rows, rejected = _read(
        "L1,A1,2026-01-01,,1000,basic,,\n"  # 2 good
        ",A1,2026-01-01,,1000,,,\n"  # 3 no_id
        + "x"
        * 65
        + ",A1,2026-01-01,,1000,,,\n"  # 4 id_too_long
        "L4,,2026-01-01,,1000,,,\n"  # 5 no_account
        "L5,A1,2026-13-01,,1000,,,\n"  # 6 bad_date
        "L6,A1,,,1000,,,\n"  # 7 no_start
        "L7,A1,2026-05-01,2026-05-01,1000,,,\n"  # 8 end_before_start
        "L8,A1,2026-01-01,,-3,,,\n"  # 9 bad_amount
        "L9,A1,2026-01-01,,99999999999999999999,,,\n"  # 10 amount_too_large
        "L10,A1,2026-01-01,,1000,,many,\n"  # 11 bad_number
        "L11,A1,2026-01-01,,1000,,99999999999,\n"  # 12 number_too_large
        "L12,A1,2026-01-01,,1000,,,USD\n"  # 13 other_currency
        "L13,A1,2026-01-01,,1000,,,jpy\n"  # 14 good (currency case)
        "L14,A1,2026-01-01,,1000,,,,extra\n"  # 15 extra_cells
        "L15,A1,2026-01-01,,1000,,,\n"  # 16 duplicate
        "L15,A1,2026-02-01,,1000,,,\n"  # 17 duplicate
    )
    assert [r.external_id for r in rows] == ["L1", "L13"]
    assert [(r.line, r.code) for r in rejected] == [
        (3, "no_id"),
        (4, "id_too_long"),
        (5, "no_account"),
        (6, "bad_date"),
        (7, "no_start"),
        (8, "end_before_start"),
        (9, "bad_amount"),
        (10, "amount_too_large"),
        (11, "bad_number"),
        (12, "number_too_large"),
        (13, "other_currency"),
        (15, "extra_cells"),
        (16, "duplicate_id"),
        (17, "duplicate_id"),
    ]
    assert {r.code for r in rejected} | {
        "unknown_account",
        "ambiguous_account",
        "no_product",
        "unknown_product",
        "deal_not_won",  # a deal export's (below)
        "bad_term",  # below
    } == set(LINE_REJECT_CODES)


def test_a_renewal_date_and_a_contract_term_are_read_and_checked() -> None:
    header = "subscription_id,customer_id,start_date,monthly_amount,renewal_date,term_months\n"
    rows, rejected = _read(
        "L1,A1,2025-04-01,1000,2027-04-01,24\n"  # 2 good: two years
        "L2,A1,2025-04-01,1000,,\n"  # 3 good: neither
        "L3,A1,2025-04-01,1000,2026-02-30,12\n"  # 4 bad_date
        "L4,A1,2025-04-01,1000,,0\n"  # 5 bad_term
        "L5,A1,2025-04-01,1000,,121\n"  # 6 bad_term
        "L6,A1,2025-04-01,1000,,12.5\n"  # 7 bad_term
        "L7,A1,2025-04-01,1000,,99999999999999999999999\n"  # 8 bad_term
        "L8,A1,2025-04-01,1000,9999-12-31,１２\n",  # 9 good: full-width digits
        header=header,
    )
    assert [(r.external_id, r.renewal_date, r.term_months) for r in rows] == [
        ("L1", dt.date(2027, 4, 1), 24),
        ("L2", None, None),
        ("L8", dt.date(9999, 12, 31), 12),
    ]
    assert [(r.line, r.code) for r in rejected] == [
        (4, "bad_date"),
        (5, "bad_term"),
        (6, "bad_term"),
        (7, "bad_term"),
        (8, "bad_term"),
    ]
    assert rows[0].given == frozenset(
        {"account", "start_date", "mrr", "renewal_date", "term_months"}
    )


def test_the_revenue_file_columns_are_read_and_others_ignored() -> None:
    rows, rejected = _read(
        "s-1,c-1,2025-04-01,2026-04-01,50000,ignored\n",
        header="subscription_id,customer_id,start_date,end_date,monthly_amount,segment\n",
    )
    assert rejected == []
    (row,) = rows
    assert (row.external_id, row.account_id, row.start_date, row.end_date, row.mrr) == (
        "s-1",
        "c-1",
        dt.date(2025, 4, 1),
        dt.date(2026, 4, 1),
        50000,
    )
    assert row.given == frozenset({"account", "start_date", "end_date", "mrr"})


TARGETS = LineTargets(accounts={"A1": 1, "A2": 1, "AB": 2}, products={"basic", "pro"})


def _plan(body: str, existing: dict[str, Existing], targets: LineTargets = TARGETS) -> Plan:
    rows, rejected = _read(body)
    table: Table = read_table(HEADER + body)
    ids = {cells[0] for _, cells in table.rows}
    return make_line_plan(
        rows,
        rejected,
        existing=existing,
        targets=targets,
        source_ids={"L1", "L2", "OLD"},
        file_ids=ids,
    )


def test_the_plan_creates_updates_keeps_and_rejects() -> None:
    stored = {
        "L1": Existing(
            id=7,
            source="",
            values={
                "account": "A1",
                "product": "basic",
                "start_date": dt.date(2026, 1, 1),
                "end_date": None,
                "mrr": 1000,
                "seats": None,
            },
        ),
        "L2": Existing(
            id=8,
            source="",
            values={
                "account": "A1",
                "product": "basic",
                "start_date": dt.date(2026, 1, 1),
                "end_date": None,
                "mrr": 1000,
                "seats": 5,
            },
        ),
    }
    plan = _plan(
        "L1,A1,2026-01-01,,1000,basic,,\n"  # unchanged
        "L2,A1,2026-01-01,2026-07-01,1200,basic,5,\n"  # ended and repriced
        "L3,A2,2026-03-01,,500,pro,,\n"  # new
        "L4,ZZ,2026-03-01,,500,pro,,\n"  # unknown account
        "L5,AB,2026-03-01,,500,pro,,\n"  # two accounts carry AB
        "L6,A2,2026-03-01,,500,,,\n"  # no product, two products sold
        "L7,A2,2026-03-01,,500,gold,,\n",  # unknown product
        stored,
    )
    assert plan.unchanged == ("L1",)
    (updated,) = plan.updated
    assert (updated.record_id, dict(updated.changes)) == (
        8,
        {"end_date": (None, dt.date(2026, 7, 1)), "mrr": (1000, 1200)},
    )
    (created,) = plan.created
    assert (created.external_id, created.values["product"], created.values["mrr"]) == (
        "L3",
        "pro",
        500,
    )
    assert [(r.line, r.code, r.value) for r in plan.rejected] == [
        (5, "unknown_account", "ZZ"),
        (6, "ambiguous_account", "AB"),
        (7, "no_product", "L6"),
        (8, "unknown_product", "gold"),
    ]
    assert plan.missing == ("OLD",)


def test_a_row_without_a_product_takes_the_only_product_sold() -> None:
    targets = LineTargets(accounts={"A1": 1}, products={"basic"}, default_product="basic")
    plan = _plan("L9,A1,2026-03-01,,500,,,\n", {}, targets)
    (created,) = plan.created
    assert created.values["product"] == "basic"


# HubSpot deal exports, as the exporter writes them: UTF-8 with a BOM, every cell quoted, a
# time after the close date, several companies in one cell, full-width digits typed in.
HUBSPOT_DEALS = (
    '\ufeff"Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount",'
    '"Monthly recurring revenue","Currency","Quantity","Associated Company IDs",'
    '"Associated Company"\n'
    '"20001","Aozora - Expense, annual","Closed Won","2026-04-01 00:00","Taro Tanaka",'
    '"1200000","100000.00","JPY","10","9876543210;9876543211","Aozora KK;Hokuto, Inc."\n'
    '"20002","Hokuto - Pilot","Closed Lost","2026-03-15 00:00","Taro Tanaka","300000",'
    '"25000","JPY","","9876543211","Hokuto, Inc."\n'
    '"20003","Hokuto - Expansion","Contract Sent","","Taro Tanaka","","","JPY","",'
    '"9876543211","Hokuto, Inc."\n'
    '"20004","Aozora - Add-on","closedwon","2026/05/01 9:00","Taro Tanaka","100000",'
    '"8333.33","JPY","","9876543210","Aozora KK"\n'
    '"20005","Hokuto - Main","ＣＬＯＳＥＤ　ＷＯＮ","2026-01-10 00:00","Taro Tanaka",'
    '"600000","５０，０００","jpy","２０","9876543211","Hokuto, Inc."\n'
    '"20006","Hokuto - Forever","Closed Won","9999-12-31 23:59","Taro Tanaka","",'
    '"99999999999999999999","JPY","","9876543211","Hokuto, Inc."\n'
)

# a Japanese portal's export of the same kind
HUBSPOT_DEALS_JA = (
    '\ufeff"レコードID","取引名","取引ステージ","クローズ日","取引担当者","金額","月間経常収益",'
    '"通貨","関連付けられた会社ID"\n'
    '"30001","さくら製作所 年間契約","成約","2026/04/01 9:00","山田 太郎","1,200,000",'
    '"１００，０００","JPY","9876543210"\n'
    '"30002","みどり商店 トライアル","失注","2026/03/01 9:00","山田 太郎","0","0","JPY",'
    '"9876543211"\n'
    '"30003","みどり商店 本契約","契約書送付済み","","山田 太郎","","","JPY","9876543211"\n'
)


NO_MAPPING = ImportMapping()


def _read_export(
    data: bytes, mapping: ImportMapping = NO_MAPPING
) -> tuple[AccountFormat, list[LineRow], list[Rejected]]:
    text, encoding = decode(data)
    assert encoding == "utf-8-sig"
    table = read_table(text)
    line_format = detect_format(table.headers, list(LINE_FORMATS.values()))
    columns = resolve_columns(table.headers, line_format, mapping, previous={})
    return line_format, *read_line_rows(table, columns, line_format, currency="JPY")


def test_an_english_hubspot_deal_export_brings_in_its_closed_won_deals() -> None:
    line_format, rows, rejected = _read_export(HUBSPOT_DEALS.encode("utf-8"))
    assert line_format is HUBSPOT
    seats = frozenset({"account", "start_date", "mrr", "seats"})
    assert rows == [
        LineRow(2, "20001", "9876543210", seats, dt.date(2026, 4, 1), 100000, seats=10),
        LineRow(6, "20005", "9876543211", seats, dt.date(2026, 1, 10), 50000, seats=20),
    ]
    assert rejected == [
        Rejected(3, "deal_not_won", "Closed Lost"),
        Rejected(4, "deal_not_won", "Contract Sent"),
        Rejected(5, "bad_amount", "8333.33"),
        Rejected(7, "amount_too_large", "99999999999999999999"),
    ]


def test_a_japanese_hubspot_deal_export_brings_in_its_closed_won_deals() -> None:
    line_format, rows, rejected = _read_export(HUBSPOT_DEALS_JA.encode("utf-8"))
    assert line_format is HUBSPOT
    given = frozenset({"account", "start_date", "mrr"})
    assert rows == [LineRow(2, "30001", "9876543210", given, dt.date(2026, 4, 1), 100000)]
    assert rejected == [
        Rejected(3, "deal_not_won", "失注"),
        Rejected(4, "deal_not_won", "契約書送付済み"),
    ]


@pytest.mark.parametrize(
    ("stage", "won"),
    [
        ("closedwon", True),
        ("Closed Won", True),
        ("CLOSED WON", True),
        ("ｃｌｏｓｅｄ　ｗｏｎ", True),
        ("成約", True),
        (" 成約 ", True),
        ("closedlost", False),
        ("Closed Lost", False),
        ("失注", False),
        ("appointmentscheduled", False),
        ("Won", False),
        ("成約見込み", False),
        ("", False),
    ],
)
def test_only_a_closed_won_stage_is_won(stage: str, won: bool) -> None:
    assert is_won(stage) is won


def test_a_deal_export_without_a_stage_column_is_taken_whole() -> None:
    # a view filtered to closed-won deals, exported without the stage column
    text = (
        '\ufeff"Record ID","Close Date","Monthly recurring revenue","Associated Company IDs"\n'
        '"20001","2026-04-01 00:00","100000","9876543210"\n'
        '"20002","0001-01-01 00:00","0","9876543211"\n'
    )
    _format, rows, rejected = _read_export(text.encode("utf-8"))
    given = frozenset({"account", "start_date", "mrr"})
    assert rows == [
        LineRow(2, "20001", "9876543210", given, dt.date(2026, 4, 1), 100000),
        LineRow(3, "20002", "9876543211", given, dt.date(1, 1, 1), 0),
    ]
    assert rejected == []


def test_internal_names_and_a_mapping_for_the_contract_end_and_product() -> None:
    text = (
        '\ufeff"hs_object_id","dealstage","closedate","hs_mrr","deal_currency_code",'
        '"Associated Company IDs (Primary)","Contract end date","Product code"\n'
        '"40001","closedwon","2026-04-01","120000","JPY","9876543210","2027-04-01","expense"\n'
        '"40002","closedwon","2026-04-01","120000","USD","9876543210","",""\n'
        '"40003","closedwon","2026-04-01","120000","JPY","9876543210","2026-03-31",""\n'
        '"40004","appointmentscheduled","2026-04-01","120000","JPY","9876543210","",""\n'
    )
    mapping = parse_mapping(
        '{"columns": {"end_date": "Contract end date", "product": "Product code"}}',
        industry_codes=[],
        fields=LINE_FIELDS,
    )
    _format, rows, rejected = _read_export(text.encode("utf-8"), mapping)
    given = frozenset({"account", "start_date", "mrr", "end_date", "product"})
    assert rows == [
        LineRow(
            2,
            "40001",
            "9876543210",
            given,
            dt.date(2026, 4, 1),
            120000,
            product="expense",
            end_date=dt.date(2027, 4, 1),
        )
    ]
    assert rejected == [
        Rejected(3, "other_currency", "USD"),
        Rejected(4, "end_before_start", "2026-04-01 → 2026-03-31"),
        Rejected(5, "deal_not_won", "appointmentscheduled"),
    ]


def test_the_format_is_recognised_and_kizunas_file_keeps_its_rows() -> None:
    formats = list(LINE_FORMATS.values())
    assert detect_format(HEADER.strip().split(","), formats) is KIZUNA_LINES
    deal_headers = ["Record ID", "Deal Stage", "Close Date", "Monthly recurring revenue"]
    assert detect_format([*deal_headers, "Associated Company IDs"], formats) is HUBSPOT
    assert (
        detect_format(
            ["レコードID", "取引ステージ", "クローズ日", "月間経常収益", "関連付けられた会社ID"],
            formats,
        )
        is HUBSPOT
    )
    # Kizuna's format has no stage: a "stage" column of its file is read past
    rows, rejected = _read(
        "s-1,c-1,2025-04-01,50000,lost\n",
        header="subscription_id,customer_id,start_date,monthly_amount,stage\n",
    )
    assert ([r.external_id for r in rows], rejected) == (["s-1"], [])


def test_a_deal_export_without_the_monthly_amount_is_refused_naming_it() -> None:
    headers = ["Record ID", "Deal Stage", "Close Date", "Amount", "Associated Company IDs"]
    line_format = detect_format(headers, list(LINE_FORMATS.values()))
    with pytest.raises(FileRefused) as refused:
        resolve_columns(headers, line_format, ImportMapping(), previous={})
    assert (refused.value.code, refused.value.detail) == (
        "missing_column",
        "monthly_amount (Monthly recurring revenue / 月間経常収益 / hs_mrr)",
    )
