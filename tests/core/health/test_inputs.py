"""Score inputs as of a day: exact figures, and nothing from after the day."""

from __future__ import annotations

import datetime as dt

import polars as pl

from kizuna.core.health.inputs import SCHEMAS, empty, inputs_on, inputs_over

D = dt.date
DAY = D(2026, 3, 31)


def _frame(name: str, rows: list[tuple[object, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMAS[name], orient="row")


def _data(**overrides: pl.DataFrame) -> dict[str, pl.DataFrame]:
    data = {
        "usage": _frame(
            "usage",
            [
                (
                    1,
                    D(2026, 3, 1),
                    40,
                    2,
                ),  # the 28 days before the last 7: 40 + 40 = 80 → 20 a week
                (1, D(2026, 3, 20), 40, 8),
                (1, D(2026, 3, 30), 30, 5),  # the last 7 days: 30 → trend 1.5
                (1, D(2026, 4, 1), 999, 10),  # after the day: never used
            ],
        ),
        "features": _frame(
            "features",
            [
                (1, D(2026, 3, 10), "report"),
                (1, D(2026, 3, 2), "approval"),
                (1, D(2026, 4, 1), "approval"),
            ],
        ),
        "lines": _frame(
            "lines",
            [
                (1, D(2025, 4, 15), None, 10, "expense"),
                (2, D(2025, 1, 1), D(2026, 3, 31), 5, "expense"),
            ],
        ),
        "key_features": _frame("key_features", [("expense", "report"), ("expense", "approval")]),
        "touches": _frame("touches", [(1, D(2026, 3, 11)), (1, D(2026, 4, 2))]),
        "onboarding": _frame(
            "onboarding",
            [
                (1, 7, D(2025, 4, 15), "in_progress"),
                (1, 7, D(2025, 5, 30), "stalled"),
                (1, 7, D(2025, 6, 3), "completed"),
            ],
        ),
        "sentiment": _frame("sentiment", [(1, 2, D(2026, 3, 1), D(2026, 3, 31))]),
    }
    return {**data, **overrides}


def test_it_computes_each_input_from_the_days_up_to_as_of() -> None:
    row = inputs_on(DAY, **_data()).row(0, named=True)
    assert row["account_id"] == 1  # account 2's line ended on the 31st (exclusive): not active
    assert row["active_user_ratio"] == 0.8  # 8 users on 20 March of 10 seats
    assert row["feature_adoption"] == 0.5  # "approval" on 2 March is outside the 28 days
    assert row["usage_trend"] == 1.5
    assert row["days_since_touch"] == 20
    assert row["days_to_renewal"] == 15  # next anniversary of 15 April
    assert row["onboarding_ok"] == 1.0
    assert row["sentiment"] == 2.0
    assert row["data_until"] == D(2026, 3, 30)


def test_earlier_days_see_earlier_states() -> None:
    rows = inputs_over([D(2025, 6, 1), D(2025, 6, 3)], **_data())
    assert rows.sort("as_of", "account_id").select(
        "as_of", "account_id", "onboarding_ok"
    ).rows() == [
        (D(2025, 6, 1), 1, 0.0),
        (D(2025, 6, 1), 2, None),
        (D(2025, 6, 3), 1, 1.0),
        (D(2025, 6, 3), 2, None),
    ]


def test_missing_data_gives_nulls_not_zeros() -> None:
    data = _data(
        usage=empty("usage"),
        features=empty("features"),
        touches=empty("touches"),
        onboarding=empty("onboarding"),
        sentiment=empty("sentiment"),
    )
    row = inputs_on(DAY, **data).row(0, named=True)
    assert (
        row["active_user_ratio"],
        row["usage_trend"],
        row["days_since_touch"],
        row["onboarding_ok"],
        row["sentiment"],
    ) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert row["feature_adoption"] == 0.0
