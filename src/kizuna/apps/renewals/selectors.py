"""Reads of the renewals app: the review cadence per touch model (defaults when none is
stored) and the subscription lines as the renewal core reads them."""

from __future__ import annotations

from collections.abc import Iterator

from kizuna.apps.customers.models import Segment, SubscriptionLine
from kizuna.apps.renewals.models import ReviewCadence
from kizuna.core.renewals.cadence import Cadence
from kizuna.core.renewals.generate import Line, term_of

#: UPWARD: the larger the account, the earlier and more often a plan is reviewed; a tech-touch
#: renewal has no plan, only reminders
DEFAULT_CADENCES: dict[str, Cadence] = {
    Segment.HIGH: Cadence(lead_days=180, plan_required=True, plan_from_days=120, every_days=30),
    Segment.LOW: Cadence(lead_days=180, plan_required=True, plan_from_days=60, every_days=60),
    Segment.TECH: Cadence(lead_days=180, plan_required=False, plan_from_days=30, every_days=90),
    Segment.COMMUNITY: Cadence(
        lead_days=180, plan_required=False, plan_from_days=30, every_days=90
    ),
}


def cadences() -> dict[str, Cadence]:
    """Each touch model's cadence: the stored one, else the default."""
    found = dict(DEFAULT_CADENCES)
    for row in ReviewCadence.objects.all():
        found[row.segment] = Cadence(
            lead_days=row.lead_days,
            plan_required=row.plan_required,
            plan_from_days=row.plan_from_days,
            every_days=row.review_every_days,
        )
    return found


def renewing_lines() -> Iterator[Line]:
    """Every subscription line whose term renews (a year or longer), as the core reads it."""
    rows = SubscriptionLine.objects.values_list(
        "pk",
        "account_id",
        "product_id",
        "start_date",
        "end_date",
        "mrr",
        "billing_period",
        "term_months",
        "renewal_date",
    ).iterator(chunk_size=20_000)
    for pk, account_id, product_id, start, end, mrr, billing, term, renewal in rows:
        months = term_of(billing, term)
        yield Line(pk, account_id, product_id, start, end, int(mrr), months, renewal)
