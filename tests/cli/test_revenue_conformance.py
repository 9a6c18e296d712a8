"""Conformance with the dbt-labs mrr-playbook (tests/fixtures/mrr_playbook/README.md).

Running ``kizuna revenue`` on the playbook's seed must reproduce its ``mrr`` model exactly from
2018-01 on (upgrade = expansion, downgrade = contraction), include customers 2, 3 and 4 that the
playbook's 2018 calendar drops, and agree with its monthly summary.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from kizuna.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mrr_playbook"
AMOUNTS = ("mrr", "previous_month_mrr", "mrr_change")


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("playbook")
    source = FIXTURES / "subscription_periods.csv"
    assert main(["revenue", "--subscriptions", str(source), "--out", str(out)]) == 0
    return out


def _whole(column: str) -> pl.Expr:
    """The playbook writes 50.0; every amount must be whole, and is compared as an integer."""
    value = pl.col(column).cast(pl.Float64)
    return value.cast(pl.Int64, strict=True)


def test_mrr_matches_the_playbook_row_for_row_from_2018(produced):
    # given the playbook's expected mrr model
    expected = pl.read_csv(FIXTURES / "mrr.csv", infer_schema=False).select(
        "date_month",
        "customer_id",
        *[_whole(c) for c in AMOUNTS],
        pl.col("change_category").replace({"upgrade": "expansion", "downgrade": "contraction"}),
    )
    # when we read what the command produced, from 2018-01 on
    actual = (
        pl.read_csv(produced / "mrr.csv", infer_schema=False)
        .filter(pl.col("date_month") >= "2018-01-01")
        .with_columns(pl.col(AMOUNTS).cast(pl.Int64))
    )
    # then the same rows, values and categories, no more and no fewer
    key = ["date_month", "customer_id"]
    assert actual.height == expected.height == 410
    assert actual.sort(key).equals(expected.sort(key))


def test_customers_the_playbook_drops_are_included(produced):
    # given / when
    mrr = pl.read_csv(produced / "mrr.csv", infer_schema=False)
    early = mrr.filter(pl.col("customer_id").is_in(["2", "3", "4"]))
    # then 2: Sep–Oct 2017 at 25, churn Nov; 3: Sep at 50, churn Oct; 4: Oct at 25, churn Nov
    assert early.select("customer_id", "date_month", "mrr", "change_category").rows() == [
        ("2", "2017-09-01", "25", "new"),
        ("2", "2017-10-01", "25", None),
        ("2", "2017-11-01", "0", "churn"),
        ("3", "2017-09-01", "50", "new"),
        ("3", "2017-10-01", "0", "churn"),
        ("4", "2017-10-01", "25", "new"),
        ("4", "2017-11-01", "0", "churn"),
    ]


def test_summary_matches_the_playbook_monthly_summary(produced):
    # given the playbook's summary (churn and downgrade MRR negative there, positive here)
    expected = pl.read_csv(FIXTURES / "mrr_monthly_summary.csv", infer_schema=False).select(
        "date_month",
        _whole("total_mrr"),
        pl.col("active_customers").cast(pl.Int64),
        _whole("new_mrr"),
        _whole("upgrade_mrr").alias("expansion_mrr"),
        (-_whole("downgrade_mrr")).alias("contraction_mrr"),
        (-_whole("churn_mrr")).alias("churn_mrr"),
        _whole("reactivation_mrr"),
    )
    # when
    actual = pl.read_csv(produced / "summary.csv", infer_schema=False).select(
        "date_month", *[pl.col(c).cast(pl.Int64) for c in expected.columns[1:]]
    )
    # then every month from 2018-01 to 2020-02 agrees
    assert actual.filter(pl.col("date_month") >= "2018-01-01").equals(expected)


def test_summary_counts_match_the_playbook(produced):
    # given the playbook's per-category customer counts
    expected = pl.read_csv(FIXTURES / "mrr_monthly_summary.csv").select(
        "n_new", "n_reactivation", "n_upgrade", "n_downgrade", "n_churn"
    )
    # when we recount categories in the produced mrr.csv per month
    mrr = pl.read_csv(produced / "mrr.csv", infer_schema=False).filter(
        pl.col("date_month") >= "2018-01-01"
    )
    counts = (
        mrr.group_by("date_month")
        .agg(
            (pl.col("change_category") == c).sum().cast(pl.Int64).alias(name)
            for c, name in (
                ("new", "n_new"),
                ("reactivation", "n_reactivation"),
                ("expansion", "n_upgrade"),
                ("contraction", "n_downgrade"),
                ("churn", "n_churn"),
            )
        )
        .sort("date_month")
        .drop("date_month")
    )
    # then
    assert counts.equals(expected)
