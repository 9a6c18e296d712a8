"""The revenue core's input, read from the database: one row per subscription line.

``customer_id`` is the account id, ``product`` the product code, and ``segment``, ``channel``
and ``team`` (code) are the account's CURRENT values — an account that changed segment counts in
its new segment for its whole history until the segment history exists.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.core.revenue.lines import LINES_SCHEMA

LINE_COLUMNS = (
    "pk",
    "account_id",
    "start_date",
    "end_date",
    "mrr",
    "product__code",
    "account__segment",
    "account__channel",
    "account__team__code",
)


def lines_frame_from_rows(rows: Iterable[tuple[object, ...]]) -> pl.DataFrame:
    """A core lines frame from ``values_list(*LINE_COLUMNS)`` rows (ids become text)."""
    columns = list(zip(*rows, strict=False)) or [()] * len(LINE_COLUMNS)
    pk, account, start, end, mrr, product, segment, channel, team = columns
    return pl.DataFrame(
        {
            "subscription_id": [str(value) for value in pk],
            "customer_id": [str(value) for value in account],
            "start_date": list(start),
            "end_date": list(end),
            "monthly_amount": list(mrr),
            "product": list(product),
            "segment": list(segment),
            "channel": list(channel),
            "team": list(team),
        },
        schema=LINES_SCHEMA,
    )


def revenue_lines(*, account_ids: list[int] | None = None) -> pl.DataFrame:
    """Every subscription line (or those of ``account_ids``) as a core lines frame; one query."""
    lines = SubscriptionLine.objects.all()
    if account_ids is not None:
        lines = lines.filter(account_id__in=account_ids)
    return lines_frame_from_rows(lines.values_list(*LINE_COLUMNS).iterator(chunk_size=10_000))
