from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from kizuna.core.usage.schema import read_events, validate_events

FIXTURE = Path(__file__).parents[2] / "fixtures" / "usage" / "events.csv"
ACCOUNT_IDS = {"acme": 1, "beta": 2}
CATALOG = {
    "expense.create": "expense",
    "expense.approve": "expense_approval",
    "card.scan": "card_scan",
    "card.share": "card_share",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spark: starts a local Spark session (slow; deselect with -m 'not spark')"
    )


@pytest.fixture
def fixture_events() -> pl.DataFrame:
    """The valid rows of tests/fixtures/usage/events.csv, mapped to account ids 1 and 2."""
    batch = validate_events(read_events(FIXTURE, file_format="csv"))
    return batch.valid.with_columns(
        pl.col("account_key").replace_strict(ACCOUNT_IDS, return_dtype=pl.Int64).alias("account_id")
    )
