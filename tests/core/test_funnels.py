"""The two CS funnels on a constructed book: every node, the boundaries (month 12 exactly,
expansion in month N exactly), empty cohorts, one-account cohorts, the cuts, agreement with
the onboarding funnel and with the revenue core's cohort retention."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from kizuna.core import funnels as f
from kizuna.core.onboarding import kpis
from kizuna.core.revenue import SubscriptionLine, cohort_retention, customer_mrr, lines_frame

D = dt.date
AS_OF = D(2025, 3, 31)
JAN, FEB, MAR, APR = (D(2024, m, 1) for m in (1, 2, 3, 4))

#: account, product, start, end (exclusive), MRR
LINES = (
    ("a", "expense", "2024-01-01", None, 100),
    ("a", "invoice", "2024-04-01", None, 20),  # expansion in month 3
    ("b", "invoice", "2024-01-10", "2025-01-10", 50),  # churned at its first renewal
    ("c", "expense", "2024-01-20", None, 80),
    ("c", "invoice", "2024-01-20", "2024-12-01", 40),  # contraction before month 12
    ("d", "attendance", "2024-01-05", "2025-02-01", 30),  # active on the last day of month 12
    ("d", "workflow", "2025-01-01", "2025-02-01", 10),  # expansion in month 12 exactly
    ("e", "expense", "2024-01-15", None, 60),
    ("e", "invoice", "2025-02-01", None, 5),  # expansion in month 13: outside the window
    ("f", "expense", "2024-01-01", "2025-01-31", 10),  # gone on the last day of month 12
    ("g", "expense", "2024-03-10", None, 70),  # the only account of March
    ("h", "invoice", "2024-04-01", None, 25),  # April: month 12 not complete yet
)
#: account, started, target, completed
ONBOARDINGS = (
    ("a", "2024-01-01", "2024-03-01", "2024-03-01"),  # on its target day: on time
    ("a", "2024-04-01", "2024-06-01", "2024-05-01"),  # cross-sell: not a's first contract
    ("b", "2024-01-10", "2024-03-01", "2024-03-02"),  # one day late; adopted (by July)
    ("c", "2024-01-20", "2024-03-20", "2024-02-20"),  # on time …
    ("c", "2024-01-20", "2024-03-20", None),  # … but the second product never completes
    ("g", "2024-03-10", "2024-05-10", "2024-04-01"),
    ("h", "2024-04-01", "2024-06-01", None),
)
#: account, renewal date, outcome (None: not known yet)
RENEWALS = (
    ("a", "2025-01-01", "renewed"),
    ("a", "2026-01-01", None),
    ("b", "2025-01-10", "churned"),
    ("g", "2025-03-10", None),  # its date has come, its outcome is not in yet
)
#: account, touch model, channel, team, industry (h is missing: every cut is null)
ACCOUNTS = (
    ("a", "high", "direct", "t1", "it"),
    ("b", "tech", "partner", "t2", "retail"),
    ("c", "high", "direct", "t1", "it"),
    ("d", "low", "direct", "t2", None),
    ("e", "low", "partner", "t1", "retail"),
    ("f", "tech", "direct", None, "it"),
    ("g", "high", "partner", "t2", "it"),
)


def _day(text: str | None) -> dt.date | None:
    return D.fromisoformat(text) if text else None


def lines() -> pl.DataFrame:
    return lines_frame(
        [
            SubscriptionLine(str(n), who, _day(start), _day(end), mrr, product)  # type: ignore[arg-type]
            for n, (who, product, start, end, mrr) in enumerate(LINES)
        ]
    )


def frames(
    book: tuple[Any, ...] = LINES,
) -> dict[str, pl.DataFrame]:
    return {
        "accounts": pl.DataFrame(ACCOUNTS, schema=f.ACCOUNTS_SCHEMA, orient="row"),
        "onboardings": pl.DataFrame(
            [(a, _day(s), _day(t), _day(c)) for a, s, t, c in ONBOARDINGS],
            schema=f.ONBOARDINGS_SCHEMA,
            orient="row",
        ),
        "renewals": pl.DataFrame(
            [(a, _day(d), o) for a, d, o in RENEWALS], schema=f.RENEWALS_SCHEMA, orient="row"
        ),
    }


def facts(as_of: dt.date = AS_OF, **kwargs: Any) -> pl.DataFrame:
    return f.account_facts(lines(), **(frames() | kwargs), as_of=as_of)


def row(frame: pl.DataFrame, month: dt.date, **keys: Any) -> dict[str, Any]:
    match = frame.filter(pl.col("cohort_month") == month)
    for name, value in keys.items():
        match = match.filter(pl.col(name).eq_missing(value))
    assert match.height == 1
    return match.row(0, named=True)


def test_every_node_of_the_account_funnel_per_cohort() -> None:
    # given the book, as of 31 March 2025 (the last day of March: March is complete)
    # when the account funnel is computed for January to April 2024
    funnel = f.account_funnel(facts(), first_month=JAN, last_month=APR)
    # then January: a, b, c handed over (d, e, f have no onboarding); only a on time (b is a
    # day late, c's second product never completes); a and b adopted by 31 July; the first
    # renewals: a renewed, b churned, c, d, e active at the end of January 2025 (no renewing
    # line), f gone on its last day; a expanded in month 3, d in month 12, e only in month 13
    assert row(funnel, JAN) == {
        "cohort_month": JAN,
        "contracted": 6,
        "handed_over": 3,
        "onboarded_on_time": 1,
        "adoption_due": 3,
        "adopted": 2,
        "renewal_due": 6,
        "renewed": 4,
        "expansion_due": 6,
        "expanded": 2,
        "handed_over_rate": 0.5,
        "on_time_rate": pytest.approx(1 / 3),
        "adoption_rate": pytest.approx(2 / 3),
        "renewal_rate": pytest.approx(4 / 6),
        "expansion_rate": pytest.approx(2 / 6),
    }
    # and February has no account: every count 0, every rate undefined
    assert row(funnel, FEB) == {
        "cohort_month": FEB,
        **{node: 0 for node in f.ACCOUNT_NODES},
        **{name: None for name, _n, _d in f.ACCOUNT_RATES},
    }
    # and March is one account: g's renewal date has come but its outcome is not in yet, so
    # it is not due; March 2025 is complete, so its 12-month expansion window is over
    march = row(funnel, MAR)
    assert [march[n] for n in f.ACCOUNT_NODES] == [1, 1, 1, 1, 1, 0, 0, 1, 0]
    assert (march["renewal_rate"], march["expansion_rate"]) == (None, 0.0)
    # and April: h handed over, not completed; not renewal- nor expansion-due yet
    april = row(funnel, APR)
    assert [april[n] for n in f.ACCOUNT_NODES] == [1, 1, 0, 1, 0, 0, 0, 0, 0]
    assert april["renewal_rate"] is None and april["on_time_rate"] == 0.0


def test_the_revenue_funnel_per_cohort_with_the_month_12_boundary() -> None:
    # when the revenue funnel is computed
    funnel = f.revenue_funnel(facts(), first_month=JAN, last_month=APR)
    # then January: new 100 + 50 + 120 + 30 + 60 + 10 = 370; at the end of January 2025:
    # a 120, b 0, c 80, d 40 (its line ends 1 February: active on 31 January), e 60, f 0
    # (its line ends on 31 January itself: not active that day)
    assert row(funnel, JAN) == {
        "cohort_month": JAN,
        "accounts": 6,
        "new_mrr": 370,
        "due_accounts": 6,
        "due_new_mrr": 370,
        "churned_mrr": 60,
        "contraction_mrr": 40,
        "retained_mrr": 270,
        "expansion_mrr": 30,
        "net_mrr": 300,
        "retained_rate": pytest.approx(270 / 370),
        "expansion_rate": pytest.approx(30 / 370),
        "net_rate": pytest.approx(300 / 370),
    }
    # and an empty cohort has no amount and no rate; one that is not 12 months old neither
    assert row(funnel, FEB)["new_mrr"] == 0 and row(funnel, FEB)["net_rate"] is None
    april = row(funnel, APR)
    assert (april["new_mrr"], april["due_accounts"], april["retained_mrr"]) == (25, 0, None)
    assert april["retained_rate"] is None
    assert (row(funnel, MAR)["retained_rate"], row(funnel, MAR)["net_rate"]) == (1.0, 1.0)


def test_month_12_is_due_only_once_it_is_complete() -> None:
    # given as_of the day before the end of January 2025 (month 12 of January 2024)
    funnel = f.revenue_funnel(facts(D(2025, 1, 30)), first_month=JAN, last_month=JAN)
    # then January's month 12 is not complete: nothing is due
    assert row(funnel, JAN)["due_accounts"] == 0 and row(funnel, JAN)["net_mrr"] is None
    # and on its last day it is
    funnel = f.revenue_funnel(facts(D(2025, 1, 31)), first_month=JAN, last_month=JAN)
    assert row(funnel, JAN)["due_accounts"] == 6


def test_revenue_rates_equal_the_revenue_cores_cohort_retention_at_month_12() -> None:
    # given the revenue core's cohort table of the same lines
    cohorts = cohort_retention(customer_mrr(lines(), as_of=AS_OF))
    at12 = cohorts.filter(pl.col("months_since_start") == 12)
    funnel = f.revenue_funnel(facts(), first_month=JAN, last_month=MAR)
    for cohort in at12.iter_rows(named=True):
        mine = row(funnel, cohort["cohort_month"])
        # then GRR basis = gross revenue retention, NRR basis = revenue retention
        assert mine["retained_rate"] == pytest.approx(cohort["gross_revenue_retention"])
        assert mine["net_rate"] == pytest.approx(cohort["revenue_retention"])
        assert mine["new_mrr"] == cohort["cohort_start_mrr"]


def test_the_shared_node_equals_the_onboarding_funnel_and_the_difference_is_exact() -> None:
    # given the same onboardings as the onboarding KPIs read them
    ob = frames()["onboardings"]
    kpi = ob.with_row_index("onboarding_id").select(
        pl.col("onboarding_id").cast(pl.Int64),
        *[pl.lit(None, dtype=pl.String).alias(c) for c in ("product", "segment", "team", "csm")],
        "started_on",
        "target_on",
        "completed_on",
        *[
            pl.lit(None, dtype=pl.Date).alias(c)
            for c in ("stalled_on", "expected_churn_on", "ended_on", "first_renewal_on")
        ],
    )
    onboarding = kpis.onboarding_funnel(kpi, as_of=AS_OF, first_month=JAN, last_month=APR)
    accounts = f.account_funnel(facts(), first_month=JAN, last_month=APR)
    # then in March (one new account, one product, no cross-sell) the two funnels agree
    assert (
        (row(onboarding, MAR)["handed_over"], row(onboarding, MAR)["completed_on_time"])
        == (
            row(accounts, MAR)["handed_over"],
            row(accounts, MAR)["onboarded_on_time"],
        )
        == (1, 1)
    )
    # and in January they differ by c: two onboardings (one on time) are one account, not on
    # time; in April by a's cross-sell, handed over on time but not a new account
    assert (row(onboarding, JAN)["handed_over"], row(onboarding, JAN)["completed_on_time"]) == (
        4,
        2,
    )
    assert (row(accounts, JAN)["handed_over"], row(accounts, JAN)["onboarded_on_time"]) == (3, 1)
    assert (row(onboarding, APR)["handed_over"], row(onboarding, APR)["completed_on_time"]) == (
        2,
        1,
    )
    assert (row(accounts, APR)["handed_over"], row(accounts, APR)["onboarded_on_time"]) == (1, 0)


@pytest.mark.parametrize("cut", f.CUTS)
def test_each_cut_adds_up_to_the_whole(cut: f.Cut) -> None:
    book = facts()
    whole_a = f.funnel_totals(f.account_funnel(book, first_month=JAN, last_month=APR))
    whole_r = f.funnel_totals(f.revenue_funnel(book, first_month=JAN, last_month=APR))
    # when cut
    per_a = f.funnel_totals(f.account_funnel(book, first_month=JAN, last_month=APR, by=cut), by=cut)
    per_r = f.funnel_totals(f.revenue_funnel(book, first_month=JAN, last_month=APR, by=cut), by=cut)
    # then every count and amount of the values adds up to the whole (each account in one)
    for node in f.ACCOUNT_NODES:
        assert per_a[node].sum() == whole_a[node][0]
    for amount in ("accounts", "new_mrr", "due_new_mrr", "retained_mrr", "net_mrr"):
        assert per_r[amount].sum() == whole_r[amount][0]
    # and h, missing from the accounts, is in the null group of every cut but the product
    assert per_a[cut].null_count() == (0 if cut == "first_product" else 1)


def test_the_cut_values_of_one_account() -> None:
    book = facts().filter(pl.col("customer_id").is_in(["b", "c", "h"]))
    # c's first lines start the same day: the larger MRR (expense, 80) is its first product
    assert book.select("customer_id", *f.CUTS).rows() == [
        ("b", "tech", "invoice", "partner", "t2", "retail"),
        ("c", "high", "expense", "direct", "t1", "it"),
        ("h", None, "invoice", None, None, None),
    ]
    by_segment = f.account_funnel(facts(), first_month=JAN, last_month=JAN, by="segment")
    assert row(by_segment, JAN, segment="high")["contracted"] == 2
    assert row(by_segment, JAN, segment="high")["renewed"] == 2


def test_adoption_counts_a_completion_on_the_last_day_of_month_6_and_not_the_day_after() -> None:
    # given h's onboarding completed on 31 October 2024 (month 6 of April), then on 1 November
    def adopted(completed: str) -> int:
        ob = frames()["onboardings"].with_columns(
            completed_on=pl.when(pl.col("customer_id") == "h")
            .then(pl.lit(D.fromisoformat(completed)))
            .otherwise(pl.col("completed_on"))
        )
        funnel = f.account_funnel(facts(onboardings=ob), first_month=APR, last_month=APR)
        return int(row(funnel, APR)["adopted"])

    # then the first counts, the second does not
    assert (adopted("2024-10-31"), adopted("2024-11-01")) == (1, 0)


def test_totals_recompute_rates_from_sums() -> None:
    totals = f.funnel_totals(f.account_funnel(facts(), first_month=JAN, last_month=APR))
    assert totals.row(0, named=True)["renewal_rate"] == pytest.approx(4 / 6)  # g, h not due
    assert totals.row(0, named=True)["contracted"] == 8
    revenue = f.funnel_totals(f.revenue_funnel(facts(), first_month=JAN, last_month=APR))
    # April is not due: its 25 is new MRR but not in the base of the rates
    assert revenue.select("new_mrr", "due_new_mrr", "net_mrr").row(0) == (465, 440, 370)
    assert revenue["net_rate"][0] == pytest.approx(370 / 440)


def test_empty_book_gives_rows_without_rates() -> None:
    empty = {
        "accounts": pl.DataFrame(schema=f.ACCOUNTS_SCHEMA),
        "onboardings": pl.DataFrame(schema=f.ONBOARDINGS_SCHEMA),
        "renewals": pl.DataFrame(schema=f.RENEWALS_SCHEMA),
    }
    book = f.account_facts(lines().clear(), **empty, as_of=AS_OF)
    accounts = f.account_funnel(book, first_month=JAN, last_month=MAR, by="segment")
    assert accounts.height == 0  # no value of the cut exists: no row per value
    whole = f.account_funnel(book, first_month=JAN, last_month=MAR)
    assert whole["contracted"].to_list() == [0, 0, 0]
    assert whole["on_time_rate"].to_list() == [None, None, None]
    totals = f.funnel_totals(f.revenue_funnel(book, first_month=JAN, last_month=MAR))
    assert totals.row(0, named=True)["retained_mrr"] is None
    assert totals.row(0, named=True)["net_rate"] is None


def test_hostile_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="outcome"):
        facts(
            renewals=pl.DataFrame(
                [("a", D(2025, 1, 1), "won")], schema=f.RENEWALS_SCHEMA, orient="row"
            )
        )
    with pytest.raises(ValueError, match="months"):
        f.FunnelPolicy(adoption_months=0)
    with pytest.raises(ValueError, match="cut"):
        f.account_funnel(facts(), first_month=JAN, last_month=JAN, by="csm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="first_month"):
        f.revenue_funnel(facts(), first_month=FEB, last_month=JAN)
    with pytest.raises(ValueError, match="customer_id"):
        facts(
            accounts=pl.DataFrame(
                [(None, "high", None, None, None)], schema=f.ACCOUNTS_SCHEMA, orient="row"
            )
        )


def test_years_1_and_9999() -> None:
    far = lines_frame(
        [
            SubscriptionLine("1", "x", D(9999, 1, 1), None, 10**15),
            SubscriptionLine("2", "y", D(1, 1, 1), D(1, 3, 1), 1),
        ]
    )
    empty = frames() | {"onboardings": pl.DataFrame(schema=f.ONBOARDINGS_SCHEMA)}
    book = f.account_facts(far, **empty, as_of=D(9999, 12, 31))
    funnel = f.revenue_funnel(book, first_month=D(9999, 1, 1), last_month=D(9999, 1, 1))
    assert row(funnel, D(9999, 1, 1))["new_mrr"] == 10**15
    assert row(funnel, D(9999, 1, 1))["due_accounts"] == 0
    assert book.filter(pl.col("customer_id") == "y")["renewal_due"][0] is True
