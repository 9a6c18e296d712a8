"""Subscription-line rows: every reject reason, dates, amounts, the plan against stored lines."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.imports.accounts import Rejected
from kizuna.core.imports.columns import ImportMapping, resolve_columns
from kizuna.core.imports.files import Table, read_table
from kizuna.core.imports.lines import (
    KIZUNA_LINES,
    LINE_REJECT_CODES,
    LineRow,
    LineTargets,
    make_line_plan,
    parse_amount,
    parse_date,
    read_line_rows,
)
from kizuna.core.imports.plan import Existing, Plan

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
    } == set(LINE_REJECT_CODES)


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
