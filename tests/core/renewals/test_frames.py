"""``core.renewals.frames``: the columnar derivation gives exactly what the rules give one line
at a time (``generate.boundaries``) and what a plain loop over each account's lines gives,
on hostile dates (the years 1 and 9999, month ends, leap days, anchors before the start) and
on random books; empty input; the term of a line from its billing period."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import polars as pl
import pytest

from kizuna.core.renewals.frames import (
    LEADS,
    MAX_AMOUNT,
    due_boundaries,
    renewals_frame,
    term_expr,
)
from kizuna.core.renewals.generate import (
    Line,
    boundaries,
    lines_frame,
    outcome_of,
    renewals_from_lines,
)

D = dt.date
TODAY = D(2026, 5, 1)


def columnar_boundaries(
    lines: list[Line], until: dt.date, since: dt.date | None
) -> dict[int, list[dt.date]]:
    found = due_boundaries(lines_frame(lines), until=pl.lit(until), since=since)
    by_line: defaultdict[int, list[dt.date]] = defaultdict(list)
    for line_id, day in found.sort("line_id", "date").select("line_id", "date").iter_rows():
        by_line[line_id].append(day)
    return by_line


HOSTILE = [
    Line(1, 1, 1, D(1, 1, 1), None, 1, 12),
    Line(2, 1, 1, D(9998, 6, 1), None, 1, 12),
    Line(3, 1, 1, D(9999, 6, 1), None, 1, 12),
    Line(4, 1, 1, D(2024, 2, 29), None, 1, 12),
    Line(5, 1, 1, D(2025, 1, 31), None, 1, 13),
    Line(6, 1, 1, D(2024, 4, 1), None, 1, 12, D(2020, 11, 1)),  # renewal date before the start
    Line(7, 1, 1, D(2023, 7, 15), None, 1, 12, D(2026, 7, 15)),  # years after the start
    Line(8, 1, 1, D(2020, 1, 1), D(2023, 1, 1), 1, 36),  # ends on its boundary
    Line(9, 1, 1, D(2020, 1, 1), None, 1, 120),
    Line(10, 1, 1, D(2020, 1, 1), None, 1, 121),  # never renews
    Line(11, 1, 1, D(2020, 1, 1), None, 1, 11),  # never renews
    Line(12, 1, 1, D(2026, 3, 31), D(2026, 3, 31), 1, 12),  # ends the day it starts
    Line(13, 1, 1, D(1, 1, 1), D(9999, 12, 31), 1, 12, D(9999, 12, 31)),
]


@pytest.mark.parametrize(
    ("until", "since"),
    [
        (D(2026, 5, 1), None),
        (D(2026, 5, 1), D(2025, 1, 1)),
        (D(2026, 5, 1), D(2025, 1, 2)),
        (D.max, None),
        (D.max, D(9999, 6, 1)),
        (D(1, 12, 31), None),
    ],
)
def test_hostile_lines_have_the_boundaries_of_the_rules(until: dt.date, since: dt.date) -> None:
    # when
    found = columnar_boundaries(HOSTILE, until, since)
    # then: line by line what ``boundaries`` walks
    for line in HOSTILE:
        assert found.get(line.line_id, []) == boundaries(line, until=until, since=since), line


def test_exact_boundaries_at_the_edges() -> None:
    found = columnar_boundaries(HOSTILE, D(2026, 5, 1), D(2025, 1, 1))
    assert found[1] == [D(2025, 1, 1), D(2026, 1, 1)]
    assert found[4] == [D(2025, 2, 28), D(2026, 2, 28)]
    assert found[5] == [D(2026, 2, 28)]
    assert found[6] == [D(2025, 11, 1)]
    assert 10 not in found and 11 not in found and 12 not in found
    everything = columnar_boundaries(HOSTILE, D.max, None)
    assert everything[2] == [D(9999, 6, 1)] and 3 not in everything
    assert everything[13][0] == D(1, 12, 31) and everything[13][-1] == D(9999, 12, 31)


def random_book(seed: int, accounts: int = 40) -> list[Line]:
    rng = random.Random(seed)
    lines: list[Line] = []
    for n in range(accounts * 3):
        start = D(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 8 * 365))
        end = None
        if rng.random() < 0.4:
            end = start + dt.timedelta(days=rng.randrange(0, 4 * 365))
        renewal = None
        if rng.random() < 0.2:
            renewal = start + dt.timedelta(days=rng.randrange(-400, 1200))
        term = rng.choice([1, 12, 12, 12, 13, 24, 36, 120, 121])
        lines.append(
            Line(n + 1, rng.randrange(1, accounts + 1), rng.randrange(1, 4), start, end,
                 rng.choice([0, 1, 50_000, 120_000]), term, renewal)
        )  # fmt: skip
    return lines


def loop_renewals(
    lines: list[Line], today: dt.date, lead: int, since: dt.date | None
) -> list[tuple[object, ...]]:
    """The renewals by a plain loop over each account's lines (the rules as written)."""
    until = today + dt.timedelta(days=lead)
    due: defaultdict[tuple[int, dt.date], list[Line]] = defaultdict(list)
    for line in lines:
        for day in boundaries(line, until=until, since=since):
            due[line.account_id, day].append(line)
    found = []
    for (account, day), day_lines in sorted(due.items()):
        products = tuple(sorted({x.product for x in day_lines}))
        mrr_due = sum(x.mrr for x in day_lines)
        after = outcome = None
        if day <= today:
            after = sum(
                x.mrr
                for x in lines
                if x.account_id == account and x.product in products and x.active_on(day)
            )
            outcome = outcome_of(mrr_due, after)
        ids = tuple(sorted(x.line_id for x in day_lines))
        found.append((account, day, ids, products, mrr_due, after, outcome))
    return found


@pytest.mark.parametrize("seed", range(6))
def test_random_books_give_what_the_loop_gives(seed: int) -> None:
    # given
    lines = random_book(seed)
    since = None if seed % 2 else D(2021, 3, 31)
    # when
    found = renewals_from_lines(lines, today=TODAY, lead_days=180, since=since)
    # then
    as_tuples = [
        (r.account_id, r.date, r.line_ids, r.products, r.mrr_due, r.mrr_after, r.outcome)
        for r in found
    ]
    assert as_tuples == loop_renewals(lines, TODAY, 180, since)
    assert len(as_tuples) > 50


def test_no_lines_no_renewals_and_the_columns_keep_their_types() -> None:
    found = renewals_frame(lines_frame([]), today=TODAY, lead_days=pl.DataFrame(schema=LEADS))
    assert found.height == 0
    assert found.schema["line_ids"] == pl.List(pl.Int64)
    assert found.schema["outcome"] == pl.Utf8
    assert renewals_from_lines([], today=TODAY) == []


def test_amounts_beyond_the_largest_are_held_at_it_not_wrapped_round() -> None:
    # given: two lines of the largest MRR renewing together, renewed by two more
    lines = lines_frame([Line(1, 1, 1, D(2025, 4, 1), D(2026, 4, 1), MAX_AMOUNT, 12),
                      Line(2, 1, 2, D(2025, 4, 1), D(2026, 4, 1), MAX_AMOUNT, 12),
                      Line(3, 1, 1, D(2026, 4, 1), None, MAX_AMOUNT, 12),
                      Line(4, 1, 2, D(2026, 4, 1), None, 7, 12)])  # fmt: skip
    # when
    found = renewals_frame(lines, today=TODAY, lead_days=0)
    # then: the renewal of 2026-04-01 is due and renewed at the largest amount, not below 0
    assert found.select("date", "mrr_due", "mrr_after", "outcome").rows() == [
        (D(2026, 4, 1), MAX_AMOUNT, MAX_AMOUNT, "renewed")
    ]


def test_leads_per_account_missing_or_negative_count_as_none() -> None:
    lines = lines_frame([Line(1, 1, 1, D(2025, 8, 1), None, 5, 12),
                      Line(2, 2, 1, D(2025, 8, 1), None, 5, 12),
                      Line(3, 3, 1, D(2025, 8, 1), None, 5, 12)])  # fmt: skip
    leads = pl.DataFrame({"account_id": [1, 2], "lead_days": [92, -5]})
    found = renewals_frame(lines, today=TODAY, lead_days=leads)
    # 2026-08-01 is 92 days after 2026-05-01: inside account 1's lead only
    assert found.select("account_id", "date").rows() == [(1, D(2026, 8, 1))]


def test_the_term_of_a_line_from_its_billing_period() -> None:
    frame = pl.DataFrame(
        {"billing": ["annual", "monthly", "monthly", "annual", "annual"],
         "term": [None, None, 24, 0, 36]},
        schema={"billing": pl.Utf8, "term": pl.Int64},
    )  # fmt: skip
    assert frame.select(term_expr("billing", "term"))["term"].to_list() == [12, 1, 24, 12, 36]
