"""The dashboard's frame: each onboarding's first renewal is a year after the first line of
its account and product (an earlier line of the same product counts; another product's does
not), read in the same query as the onboardings; read column-wise (and only the dimension
asked for), it equals the row-by-row reading, and the dashboard's figures with it, on hostile
data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl
import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from polars.testing import assert_frame_equal

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.onboarding import selectors
from kizuna.apps.onboarding.models import Onboarding, OnboardingState
from kizuna.apps.onboarding.selectors import OnboardingDashboard, dashboard_data, kpi_frame
from kizuna.apps.onboarding.services import onboardings_start
from kizuna.core.calendar import add_years
from kizuna.core.onboarding.kpis import DIMENSIONS, ONBOARDINGS_SCHEMA, Dimension
from tests.apps.onboarding.conftest import START
from tests.factories import AccountFactory, ProductFactory, SubscriptionLineFactory, World

D = dt.date


def test_the_first_renewal_is_a_year_after_the_first_line_of_the_product(
    world: World, line: Any
) -> None:
    # given the onboarding of its line, then (typed in later) an earlier line of the same
    # product starting on a leap day and an even earlier line of another product
    assert onboardings_start(as_of=D(2026, 11, 1)) == 1
    SubscriptionLineFactory(
        account=world.account,
        product=world.product,
        start_date=D(2024, 2, 29),
        end_date=D(2025, 1, 31),
    )
    SubscriptionLineFactory(
        account=world.account, product=ProductFactory(code="invoice"), start_date=D(2020, 1, 1)
    )

    # when the frame is read
    with CaptureQueriesContext(connection) as queries:
        frame = kpi_frame(as_of=D(2026, 11, 1))

    # then the first renewal follows the product's first line (29 Feb + 1 year = 28 Feb)
    assert frame["first_renewal_on"].to_list() == [D(2025, 2, 28)]
    assert frame["started_on"].to_list() == [START]
    assert len(queries.captured_queries) == 1


def reference_frame(*, as_of: dt.date) -> pl.DataFrame:
    """The frame as it was built before it was read column-wise: every row and every
    dimension through Python, the first renewal by ``add_years`` (unknown where that year
    is not representable)."""
    first_line = (
        SubscriptionLine.objects.filter(
            account_id=OuterRef("account_id"), product_id=OuterRef("product_id")
        )
        .order_by("start_date")
        .values("start_date")[:1]
    )
    rows = Onboarding.objects.annotate(first_start=Subquery(first_line)).values_list(
        "pk",
        "product__code",
        "account__segment",
        "account__team__code",
        "account__owner__username",
        "started_on",
        "target_on",
        "completed_on",
        "stalled_on",
        "expected_churn_on",
        "ended_on",
        "first_start",
    )
    return pl.DataFrame(
        [(*r[:11], _renewal(r[11])) for r in rows], schema=ONBOARDINGS_SCHEMA, orient="row"
    )


def _renewal(first_start: dt.date | None) -> dt.date | None:
    if first_start is None or first_start.year == 9999:
        return None
    return add_years(first_start, 1)


@pytest.fixture
def hostile(world: World, template: Any) -> None:
    """Onboardings at the edges: year 1 and 9999, a leap day, no team, no owner, no line,
    every optional date empty, two products, and more than one line of a product."""
    invoice = ProductFactory(code="invoice", name_ja="請求書", name_en="Invoice")
    lonely = AccountFactory(segment="tech")  # no team, no owner, no line

    def onboarding(
        account: Any, product: Any, start: dt.date, target: dt.date, **days: Any
    ) -> None:
        Onboarding.objects.create(
            account=account,
            product=product,
            template=template,
            started_on=start,
            target_on=target,
            state=OnboardingState.IN_PROGRESS,
            state_since=start,
            **days,
        )

    SubscriptionLineFactory(account=world.account, product=world.product, start_date=D(2024, 2, 29))
    onboarding(
        world.account,
        world.product,
        D(2026, 1, 5),
        D(2026, 3, 31),
        completed_on=D(2026, 3, 31),
        stalled_on=D(2026, 2, 1),
        expected_churn_on=D(2026, 3, 1),
        ended_on=D(2027, 2, 28),
    )
    SubscriptionLineFactory(account=world.account, product=invoice, start_date=D(9999, 6, 1))
    SubscriptionLineFactory(account=world.account, product=invoice, start_date=D(9999, 12, 31))
    onboarding(
        world.account,
        invoice,
        D(9999, 12, 1),
        D(9999, 12, 31),
        completed_on=D(9999, 12, 31),
        ended_on=D(9999, 12, 31),
    )
    SubscriptionLineFactory(
        account=world.other_account, product=world.product, start_date=D(1, 1, 1)
    )
    onboarding(world.other_account, world.product, D(1, 1, 1), D(1, 1, 31), stalled_on=D(1, 1, 1))
    onboarding(lonely, invoice, D(2026, 11, 1), D(2026, 12, 15))
    high = AccountFactory(segment="high", owner=world.teammate)
    SubscriptionLineFactory(account=high, product=world.product, start_date=D(2023, 3, 1))
    onboarding(
        high,
        world.product,
        D(2025, 10, 31),
        D(2026, 1, 31),
        expected_churn_on=D(2026, 2, 1),
        completed_on=D(2026, 4, 30),
    )


@pytest.mark.usefixtures("hostile")
def test_the_frame_equals_the_row_by_row_reading_on_hostile_data() -> None:
    # when the frame is read with every dimension, and with each one alone
    full = kpi_frame(as_of=D(2026, 11, 29))

    # then it equals the row-by-row reading, and so does every narrow one (with its column)
    reference = reference_frame(as_of=D(2026, 11, 29)).sort("onboarding_id")
    assert_frame_equal(full.sort("onboarding_id"), reference)
    for by in DIMENSIONS:
        narrow = kpi_frame(as_of=D(2026, 11, 29), dimensions=(by,))
        assert narrow.columns == [c for c in ONBOARDINGS_SCHEMA if c not in DIMENSIONS or c == by]
        assert_frame_equal(narrow.sort("onboarding_id"), reference.select(narrow.columns))
    assert kpi_frame(as_of=D(2026, 11, 29), dimensions=()).columns == [
        c for c in ONBOARDINGS_SCHEMA if c not in DIMENSIONS
    ]
    # (the leap day's renewal is 28 February; a line of the year 9999 renews on no known day)
    renewals = dict(zip(reference["started_on"], reference["first_renewal_on"], strict=True))
    assert renewals[D(2026, 1, 5)] == D(2025, 2, 28)
    assert renewals[D(1, 1, 1)] == D(2, 1, 1)
    assert renewals[D(2025, 10, 31)] == D(2024, 3, 1)  # a year, not 365 days
    assert renewals[D(9999, 12, 1)] is None
    assert renewals[D(2026, 11, 1)] is None


def test_without_onboardings_the_frame_is_empty_and_typed(db: Any) -> None:
    frame = kpi_frame(as_of=D(2026, 11, 29))
    assert frame.height == 0
    assert frame.schema == pl.Schema(ONBOARDINGS_SCHEMA)
    assert kpi_frame(as_of=D(2026, 11, 29), dimensions=("team",)).schema == pl.Schema(
        {c: t for c, t in ONBOARDINGS_SCHEMA.items() if c not in DIMENSIONS or c == "team"}
    )


@pytest.mark.parametrize("with_data", [True, False])
@pytest.mark.parametrize("today", [D(2026, 11, 29), D(2026, 3, 31), D(9999, 12, 31)])
@pytest.mark.parametrize("by", DIMENSIONS)
def test_the_dashboard_shows_the_same_figures_as_with_the_row_by_row_frame(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    with_data: bool,
    today: dt.date,
    by: Dimension,
) -> None:
    # given hostile onboardings (or none)
    request.getfixturevalue("hostile" if with_data else "world")

    # when the dashboard is computed from the narrow frame, and from the row-by-row one
    new = dashboard_data(today=today, by=by)
    monkeypatch.setattr(selectors, "kpi_frame", lambda *, as_of, **_: reference_frame(as_of=as_of))
    old = dashboard_data(today=today, by=by)

    # then every figure is the same
    for field in dataclasses.fields(OnboardingDashboard):
        if field.name not in ("policy", "stuck_page"):
            assert getattr(new, field.name) == getattr(old, field.name), field.name
    # (the policy may be an unsaved default, which equals no other instance)
    assert model_to_dict(new.policy) == model_to_dict(old.policy)
    assert list(new.stuck_page.object_list) == list(old.stuck_page.object_list)
