"""The funnels' input, read from the database, and the figures the page and the API show.

Four queries, one per core input (``kizuna.core.funnels``): the subscription lines (as the
revenue app reads them), the accounts' current touch model, channel, team and industry, the
onboardings' dates, and the renewals derived by ``renewals_refresh`` (those no longer due are
left out). Computed when asked for, like the onboarding dashboard's funnel: at 100,000
accounts the core takes about a second (bench/funnels_bench.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import polars as pl

from kizuna.apps.customers.models import Account, Channel, Industry, Product, Segment
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.org.models import Team
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.revenue.frames import revenue_lines
from kizuna.core import funnels
from kizuna.core.funnels import Cut

#: the default cohort range: this many months, ending with the current month
DEFAULT_MONTHS: Final = 24


@dataclass(frozen=True, slots=True)
class FunnelData:
    """Both funnels of one cohort range and cut: per cohort (and cut value) and summed."""

    as_of: dt.date
    first_month: dt.date
    last_month: dt.date
    cut: Cut | None
    accounts: pl.DataFrame  # account_funnel
    account_totals: pl.DataFrame  # funnel_totals of it, per cut value
    account_all: pl.DataFrame  # one row: the whole range, every cut value together
    revenue: pl.DataFrame
    revenue_totals: pl.DataFrame
    revenue_all: pl.DataFrame


def _text(values: list[object]) -> list[str | None]:
    return [None if value in (None, "") else str(value) for value in values]


def funnel_accounts() -> pl.DataFrame:
    """Every account's current cuts (``funnels.ACCOUNTS_SCHEMA``); one query."""
    rows = list(Account.objects.values_list("pk", "segment", "channel", "team__code", "industry"))
    columns = list(zip(*rows, strict=True)) if rows else [()] * 5
    return pl.DataFrame(
        dict(zip(funnels.ACCOUNTS_SCHEMA, (_text(list(c)) for c in columns), strict=True)),
        schema=funnels.ACCOUNTS_SCHEMA,
    )


def funnel_onboardings() -> pl.DataFrame:
    """Every onboarding's account and dates (``funnels.ONBOARDINGS_SCHEMA``); one query."""
    rows = list(
        Onboarding.objects.values_list("account_id", "started_on", "target_on", "completed_on")
    )
    account, started, target, completed = list(zip(*rows, strict=True)) if rows else [()] * 4
    return pl.DataFrame(
        {
            "customer_id": [str(value) for value in account],
            "started_on": list(started),
            "target_on": list(target),
            "completed_on": list(completed),
        },
        schema=funnels.ONBOARDINGS_SCHEMA,
    )


def funnel_renewals() -> pl.DataFrame:
    """Every renewal still due: account, date, outcome (null until known); one query."""
    rows = list(
        Renewal.objects.filter(no_longer_due=False).values_list("account_id", "date", "outcome")
    )
    account, date, outcome = list(zip(*rows, strict=True)) if rows else [()] * 3
    return pl.DataFrame(
        {
            "customer_id": [str(value) for value in account],
            "renewal_on": list(date),
            "outcome": _text(list(outcome)),
        },
        schema=funnels.RENEWALS_SCHEMA,
    )


def funnel_facts(*, as_of: dt.date, policy: funnels.FunnelPolicy | None = None) -> pl.DataFrame:
    """``kizuna.core.funnels.account_facts`` over the whole database, as of ``as_of``."""
    return funnels.account_facts(
        revenue_lines(),
        accounts=funnel_accounts(),
        onboardings=funnel_onboardings(),
        renewals=funnel_renewals(),
        as_of=as_of,
        policy=policy,
    )


def funnel_data(
    *, as_of: dt.date, first_month: dt.date, last_month: dt.date, cut: Cut | None
) -> FunnelData:
    """Both funnels for the cohorts ``first_month`` … ``last_month`` (inclusive), cut by
    ``cut`` (None: the whole company)."""
    facts = funnel_facts(as_of=as_of)
    window = {"first_month": first_month, "last_month": last_month}
    accounts = funnels.account_funnel(facts, **window, by=cut)
    revenue = funnels.revenue_funnel(facts, **window, by=cut)
    return FunnelData(
        as_of=as_of,
        first_month=first_month.replace(day=1),
        last_month=last_month.replace(day=1),
        cut=cut,
        accounts=accounts,
        account_totals=funnels.funnel_totals(accounts, by=cut),
        account_all=funnels.funnel_totals(accounts),
        revenue=revenue,
        revenue_totals=funnels.funnel_totals(revenue, by=cut),
        revenue_all=funnels.funnel_totals(revenue),
    )


def cut_labels(cut: Cut | None) -> Mapping[str, str]:
    """Display names of a cut's values (the facts hold codes)."""
    if cut == "segment":
        return {str(v): str(label) for v, label in Segment.choices}
    if cut == "first_product":
        return {p.code: p.name for p in Product.objects.all()}
    if cut == "channel":
        return {str(v): str(label) for v, label in Channel.choices}
    if cut == "team":
        return {t.code: str(t) for t in Team.objects.all()}
    if cut == "industry":
        return {str(v): str(label) for v, label in Industry.choices}
    return {}
