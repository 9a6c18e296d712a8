"""The revenue summary's columns have one home (``core.revenue.report``): the CLI's files, the
snapshot fields and the API read them from there."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.revenue.api import SummaryOut
from kizuna.apps.revenue.models import RevenueSnapshot
from kizuna.apps.revenue.services import SUMMARY_FIELDS
from kizuna.core.revenue import lines_frame, revenue_report
from kizuna.core.revenue.lines import SubscriptionLine
from kizuna.core.revenue.report import SUMMARY_COLUMNS, SUMMARY_DETAIL_COLUMNS

KEYS = {"id", "month", "dimension", "value", "computed_at"}


def test_every_listed_column_is_a_column_of_the_report_summary() -> None:
    # given one customer's line over three months
    line = SubscriptionLine("s1", "c1", dt.date(2026, 1, 1), None, 10_000)

    # when its report is computed
    summary = revenue_report(lines_frame([line]), as_of=dt.date(2026, 3, 31)).summary

    # then the headline and the detail columns are all there, each once
    listed = [*SUMMARY_COLUMNS, *SUMMARY_DETAIL_COLUMNS]
    assert len(set(listed)) == len(listed) == 24
    assert set(listed) <= set(summary.columns)
    assert summary.select(listed).row(0, named=True)["total_mrr"] == 10_000


def test_the_snapshot_and_the_api_carry_exactly_the_listed_columns() -> None:
    # given / when the snapshot's fields and the API's summary fields
    snapshot = {f.name for f in RevenueSnapshot._meta.get_fields()} - KEYS
    api = set(SummaryOut.model_fields) - KEYS

    # then the snapshot keeps every listed column, the month's start figures named start_*,
    # and the API serves them all but the start's customer count
    assert set(SUMMARY_FIELDS) == snapshot
    assert api == snapshot - {"start_customers"}
    assert SUMMARY_FIELDS["start_mrr"] == "previous_total_mrr"
    assert SUMMARY_FIELDS["start_customers"] == "previous_active_customers"
    assert sorted(SUMMARY_FIELDS.values()) == sorted([*SUMMARY_COLUMNS, *SUMMARY_DETAIL_COLUMNS])
