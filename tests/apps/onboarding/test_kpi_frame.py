"""The dashboard's frame: each onboarding's first renewal is a year after the first line of
its account and product (an earlier line of the same product counts; another product's does
not), read in the same query as the onboardings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.apps.onboarding.selectors import kpi_frame
from kizuna.apps.onboarding.services import onboardings_start
from tests.apps.onboarding.conftest import START
from tests.factories import ProductFactory, SubscriptionLineFactory, World

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
