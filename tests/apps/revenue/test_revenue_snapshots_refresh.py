"""The snapshot job: exact rows, idempotent, resumable, and only dirty months rewritten."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.apps.jobs.models import JobState
from kizuna.apps.jobs.services import jobs_run_due
from kizuna.apps.revenue import services
from kizuna.apps.revenue.models import CohortSnapshot, RevenueSnapshot, RevenueSnapshotState
from kizuna.apps.revenue.services import revenue_snapshots_refresh
from tests.apps.revenue.conftest import APR, AS_OF, FEB, JAN, MAR, MAY

COLUMNS = (
    "month",
    "total_mrr",
    "active_customers",
    "start_mrr",
    "new_mrr",
    "expansion_mrr",
    "reactivation_mrr",
    "contraction_mrr",
    "churn_mrr",
    "net_new_mrr",
    "churned_customers",
    "logo_churn_rate",
    "gross_mrr_churn_rate",
    "net_mrr_churn_rate",
    "grr_3m",
    "nrr_3m",
    "grr_12m",
    "arpa",
    "ltv",
)


def rows(dimension: str = "", value: str = "") -> list[tuple[Any, ...]]:
    found = RevenueSnapshot.objects.filter(dimension=dimension, value=value).order_by("month")
    return [
        tuple(round(v, 6) if isinstance(v, float) else v for v in row)
        for row in found.values_list(*COLUMNS)
    ]


def ids_of(month: dt.date) -> set[int]:
    return set(RevenueSnapshot.objects.filter(month=month).values_list("pk", flat=True))


def writes(queries: CaptureQueriesContext) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(verbs)]


def test_it_writes_the_exact_summary_of_the_golden_book(book: dict[str, Any]) -> None:
    # given the small book of docs/metrics.md
    # when the job runs as of April 2024
    result = revenue_snapshots_refresh(as_of=AS_OF)
    # then every month is written, with the figures of the worked example
    assert result.months_written == (JAN, FEB, MAR, APR)
    assert rows() == [
        (JAN, 180, 3, 0, 180, 0, 0, 0, 0, 180, 0, None, None, None, None, None, None, 60, None),
        (FEB, 220, 4, 180, 40, 0, 0, 0, 0, 40, 0, 0.0, 0.0, 0.0, None, None, None, 55, None),
        (MAR, 170, 3, 220, 0, 20, 0, 20, 50, -50, 1, 0.25, 0.318182, 0.227273, None, None, None,
         57, 453),
        (APR, 170, 3, 170, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.611111, 0.611111, None, 57, 680),
    ]  # fmt: skip
    state = RevenueSnapshotState.objects.get()
    assert (state.last_month_done, state.dirty_from, state.line_count) == (APR, None, 6)


def test_every_cut_is_written_and_segments_add_up_to_the_company(book: dict[str, Any]) -> None:
    # when
    revenue_snapshots_refresh(as_of=AS_OF)
    # then each dimension has its values, and the segments' MRR sums to the company's
    cuts = set(RevenueSnapshot.objects.order_by().values_list("dimension", "value").distinct())
    assert cuts == {
        ("", ""),
        ("segment", "high"),
        ("segment", "low"),
        ("segment", "tech"),
        ("product", "expense"),
        ("channel", "direct"),
        ("team", ""),
    }
    low = [(r[0], r[1], r[8], r[11]) for r in rows("segment", "low")]
    assert low == [(JAN, 50, 0, None), (FEB, 90, 0, 0.0), (MAR, 60, 50, 0.5), (APR, 60, 0, 0.0)]
    for month in (JAN, FEB, MAR, APR):
        by_segment = RevenueSnapshot.objects.filter(month=month, dimension="segment")
        company = RevenueSnapshot.objects.get(month=month, dimension="")
        assert sum(r.total_mrr for r in by_segment) == company.total_mrr


def test_it_writes_the_cohort_cells(book: dict[str, Any]) -> None:
    # when
    revenue_snapshots_refresh(as_of=AS_OF)
    # then the January cohort (a, b, d; 180) keeps 2 of 3 accounts and 110 from March on
    january = CohortSnapshot.objects.filter(dimension="", cohort_month=JAN).order_by(
        "months_since_start"
    )
    assert [
        (c.months_since_start, c.active_customers, c.mrr, round(c.logo_retention or 0, 6))
        for c in january
    ] == [(0, 3, 180, 1.0), (1, 3, 180, 1.0), (2, 2, 110, 0.666667), (3, 2, 110, 0.666667)]
    february = CohortSnapshot.objects.get(dimension="", cohort_month=FEB, months_since_start=2)
    assert (february.revenue_retention, february.gross_revenue_retention) == (1.5, 1.0)


def test_a_second_run_changes_nothing_and_writes_nothing(book: dict[str, Any]) -> None:
    # given a first run
    revenue_snapshots_refresh(as_of=AS_OF)
    before = rows(), sorted(CohortSnapshot.objects.values_list("pk", "mrr"))
    # when it runs again with nothing changed
    with CaptureQueriesContext(connection) as queries:
        result = revenue_snapshots_refresh(as_of=AS_OF)
    # then it computes nothing, writes nothing, and the rows are identical
    assert (result.computed, result.months_written) == (False, ())
    assert writes(queries) == []
    assert (rows(), sorted(CohortSnapshot.objects.values_list("pk", "mrr"))) == before


def test_it_resumes_after_a_crash_where_it_stopped(
    book: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a run that crashes while writing March
    write_month = services._write_month

    def crash_in_march(month: dt.date, *args: Any) -> None:
        if month == MAR:
            raise RuntimeError("power cut")
        write_month(month, *args)

    monkeypatch.setattr(services, "_write_month", crash_in_march)
    with pytest.raises(RuntimeError):
        revenue_snapshots_refresh(as_of=AS_OF)
    # then January and February are done, and the state row says so
    assert sorted(
        RevenueSnapshot.objects.order_by("month").values_list("month", flat=True).distinct()
    ) == [JAN, FEB]
    assert RevenueSnapshotState.objects.get().last_month_done == FEB
    done_ids = ids_of(JAN) | ids_of(FEB)
    # when the next run works
    monkeypatch.setattr(services, "_write_month", write_month)
    result = revenue_snapshots_refresh(as_of=AS_OF)
    # then it continues with March, leaves the finished months alone, and ends like a clean run
    assert result.months_written == (MAR, APR)
    assert ids_of(JAN) | ids_of(FEB) == done_ids
    assert [r[:3] for r in rows()] == [(JAN, 180, 3), (FEB, 220, 4), (MAR, 170, 3), (APR, 170, 3)]


def test_editing_a_line_rewrites_only_the_months_from_its_start(book: dict[str, Any]) -> None:
    # given a full run
    revenue_snapshots_refresh(as_of=AS_OF)
    kept = ids_of(JAN) | ids_of(FEB)
    # when c's second line (from March) is raised from 20 to 35
    line = book["lines"]["c2"]
    line.billing_amount = line.mrr = 35
    line.save()
    result = revenue_snapshots_refresh(as_of=AS_OF)
    # then only March and April are recomputed, with the new amount
    assert result.months_written == (MAR, APR)
    assert ids_of(JAN) | ids_of(FEB) == kept
    assert [r[:2] for r in rows()] == [(JAN, 180), (FEB, 220), (MAR, 185), (APR, 185)]
    assert RevenueSnapshotState.objects.get().dirty_from is None


def test_moving_a_start_later_is_caught_by_comparing_earlier_months(
    book: dict[str, Any],
) -> None:
    # given a full run
    revenue_snapshots_refresh(as_of=AS_OF)
    # when a's line, from January, is corrected to start in February
    line = book["lines"]["a"]
    line.start_date = FEB
    line.save()
    result = revenue_snapshots_refresh(as_of=AS_OF)
    # then January, which the edited line no longer touches, is recomputed too
    assert result.months_written == (JAN, FEB, MAR, APR)
    assert [r[:3] for r in rows()] == [(JAN, 80, 2), (FEB, 220, 4), (MAR, 170, 3), (APR, 170, 3)]


def test_deleting_a_line_is_noticed(book: dict[str, Any]) -> None:
    # given a full run
    revenue_snapshots_refresh(as_of=AS_OF)
    # when b's line is deleted (nothing left has a newer updated_at)
    book["lines"]["b"].delete()
    result = revenue_snapshots_refresh(as_of=AS_OF)
    # then the months it touched are rewritten
    assert result.months_written[0] == JAN
    assert [r[:2] for r in rows()] == [(JAN, 130), (FEB, 170), (MAR, 170), (APR, 170)]
    assert (
        not RevenueSnapshot.objects.filter(dimension="segment", value="low", month=JAN)
        .filter(total_mrr=50)
        .exists()
    )


def test_a_new_month_writes_only_that_month(book: dict[str, Any]) -> None:
    # given a run in April
    revenue_snapshots_refresh(as_of=AS_OF)
    # when the job runs in May
    result = revenue_snapshots_refresh(as_of=dt.date(2024, 5, 2))
    # then only May is written
    assert result.months_written == (MAY,)
    assert rows()[-1][:3] == (MAY, 170, 3)


def test_the_daily_job_fills_the_snapshots(book: dict[str, Any]) -> None:
    # when the worker runs the daily jobs
    done = dict(jobs_run_due(day=AS_OF))
    # then the revenue job ran and reported what it wrote
    assert done["revenue.refresh_snapshots"] == "ok: 4 months written (2024-01..2024-04)"
    assert JobState.objects.get(name="revenue.refresh_snapshots").last_status == "ok"
    assert RevenueSnapshot.objects.filter(dimension="").count() == 4
