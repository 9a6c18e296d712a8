"""``kizuna revenue``: validation of every row, nothing written on error, CSV and Parquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from kizuna.cli import main

HEADER = "subscription_id,customer_id,start_date,end_date,monthly_amount,segment,notes\n"
GOOD = (
    "1,a,2024-01-01,,100,high,first\n"
    "2,b,2024-01-01,2024-03-01,50,low,\n"
    "3,b,2024-04-01,,50.0,low,came back\n"
)


def _run(tmp_path: Path, content: str, *extra: str, name: str = "subs.csv") -> tuple[int, Path]:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    return main(["revenue", "--subscriptions", str(source), "--out", str(out), *extra]), out


def test_it_writes_mrr_summary_cohorts_and_one_file_per_dimension(tmp_path):
    # given three good lines with a segment column and an ignored notes column
    # when
    code, out = _run(tmp_path, HEADER + GOOD, "--as-of", "2024-05")
    # then
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "cohorts.csv",
        "mrr.csv",
        "summary.csv",
        "summary_by_segment.csv",
    ]
    assert (out / "mrr.csv").read_text().splitlines() == [
        "date_month,customer_id,mrr,previous_month_mrr,mrr_change,change_category",
        "2024-01-01,a,100,0,100,new",
        "2024-02-01,a,100,100,0,",
        "2024-03-01,a,100,100,0,",
        "2024-04-01,a,100,100,0,",
        "2024-05-01,a,100,100,0,",
        "2024-01-01,b,50,0,50,new",
        "2024-02-01,b,50,50,0,",
        "2024-03-01,b,0,50,-50,churn",
        "2024-04-01,b,50,0,50,reactivation",
        "2024-05-01,b,50,50,0,",
    ]
    summary = pl.read_csv(out / "summary.csv")
    assert summary.row(2, named=True) == {
        "date_month": "2024-03-01",
        "total_mrr": 100,
        "active_customers": 1,
        "new_mrr": 0,
        "expansion_mrr": 0,
        "contraction_mrr": 0,
        "churn_mrr": 50,
        "reactivation_mrr": 0,
        "net_new_mrr": -50,
        "logo_churn_rate": 0.5,
        "gross_mrr_churn_rate": pytest.approx(1 / 3),
        "net_mrr_churn_rate": pytest.approx(1 / 3),
        "grr_12m": None,
        "nrr_12m": None,
        "arpa": 100.0,
        "ltv": 400.0,
    }
    assert pl.read_csv(out / "summary_by_segment.csv").columns[:2] == ["segment", "date_month"]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(tmp_path, capsys):
    # given a file with six bad rows among good ones
    content = (
        HEADER
        + GOOD
        + (
            "4,c,2024-13-01,,10,,\n"  # line 5
            "5,c,2024-02-01,2024-01-01,10,,\n"  # line 6
            "6,d,2024-01-01,,-5,,\n"  # line 7
            "7,d,2024-01-01,,12.5,,\n"  # line 8
            ",e,2024-01-01,,10,,\n"  # line 9
            "9, ,,soon,abc,,\n"  # line 10
        )
    )
    # when
    code, out = _run(tmp_path, content)
    # then
    assert code == 1
    assert not out.exists()
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "line 5: unparseable start_date '2024-13-01'",
        "line 6: end_date before start_date",
        "line 7: negative monthly_amount '-5'",
        "line 8: monthly_amount is not a whole number '12.5'",
        "line 9: missing subscription_id",
        "line 10: missing customer_id; missing start_date; unparseable end_date 'soon'; "
        "monthly_amount is not a whole number 'abc'",
        "kizuna revenue: 6 bad row(s); nothing written",
    ]


def test_a_missing_column_is_reported_and_nothing_is_written(tmp_path, capsys):
    # given no monthly_amount column
    # when
    code, out = _run(tmp_path, "subscription_id,customer_id,start_date,end_date\n1,a,2024-01-01,\n")
    # then
    assert code == 1
    assert not out.exists()
    assert "line 1: missing required column(s): monthly_amount" in capsys.readouterr().err


def test_existing_outputs_are_left_alone_when_the_input_is_bad(tmp_path):
    # given a previous good run
    code, out = _run(tmp_path, HEADER + GOOD, "--as-of", "2024-05")
    before = (out / "mrr.csv").read_text()
    # when the next input is bad
    code, _ = _run(tmp_path, HEADER + "1,a,2024-01-01,,ten,,\n")
    # then
    assert code == 1
    assert (out / "mrr.csv").read_text() == before


def test_parquet_input_works_with_typed_columns(tmp_path):
    # given the same lines as Parquet with Date and integer columns
    lines = pl.DataFrame(
        {
            "subscription_id": [1, 2],
            "customer_id": ["a", "b"],
            "start_date": [dt.date(2024, 1, 1), dt.date(2024, 1, 1)],
            "end_date": [None, dt.date(2024, 3, 1)],
            "monthly_amount": [100, 50],
            "channel": ["direct", "partner"],
        }
    )
    source = tmp_path / "subs.parquet"
    lines.write_parquet(source)
    out = tmp_path / "out"
    # when
    code = main(["revenue", "--subscriptions", str(source), "--out", str(out)])
    # then the default as_of is March (b's end), b churns there
    assert code == 0
    mrr = pl.read_csv(out / "mrr.csv")
    assert mrr.filter(pl.col("customer_id") == "b")["change_category"].to_list() == [
        "new",
        None,
        "churn",
    ]
    assert mrr["date_month"].max() == "2024-03-01"
    assert (out / "summary_by_channel.csv").exists()


def test_bad_parquet_rows_are_reported_by_row_number(tmp_path, capsys):
    # given a Parquet file whose second row has a negative amount
    source = tmp_path / "subs.parquet"
    pl.DataFrame(
        {
            "subscription_id": ["1", "2"],
            "customer_id": ["a", "b"],
            "start_date": [dt.date(2024, 1, 1)] * 2,
            "end_date": [None, None],
            "monthly_amount": [100, -1],
        }
    ).write_parquet(source)
    # when
    code = main(["revenue", "--subscriptions", str(source), "--out", str(tmp_path / "out")])
    # then
    assert code == 1
    assert "row 2: negative monthly_amount '-1'" in capsys.readouterr().err


def test_as_of_must_be_a_month(tmp_path, capsys):
    # given / when
    with pytest.raises(SystemExit) as exit_info:
        _run(tmp_path, HEADER + GOOD, "--as-of", "May 2024")
    # then
    assert exit_info.value.code == 2
    assert "expected YYYY-MM" in capsys.readouterr().err
