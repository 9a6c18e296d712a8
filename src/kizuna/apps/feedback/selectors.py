"""Reading feedback and feature requests for the pages and the API: the board's requests with
their weights (``core.feedback``), the per-product summary, one request's requesting accounts
and history, an account's latest feedback.

The weight reads each account's current MRR from ``Account.mrr`` (the sum of its lines active
today, refreshed by the customers services and the daily job), as every current-MRR figure of
Kizuna does."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet

from kizuna.apps.customers.models import Account, Product
from kizuna.apps.feedback.models import (
    FeatureRequest,
    FeatureRequestChange,
    Feedback,
    RequestStatus,
)
from kizuna.apps.org.models import User
from kizuna.core import feedback as core

#: statuses a new feedback may still ask for (the select of the forms)
OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.PLANNED)
#: the account page's panel: its latest feedback
ACCOUNT_PANEL_LENGTH = 5


@dataclass(frozen=True)
class RequestFilters:
    """The board's and the API's filters; None: not filtered. ``owner``: the product's
    owner."""

    status: str | None = None
    product: Product | None = None
    owner: User | None = None


def requests_filtered(filters: RequestFilters) -> QuerySet[FeatureRequest]:
    qs = FeatureRequest.objects.select_related("product", "product__owner", "created_by")
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.product is not None:
        qs = qs.filter(product=filters.product)
    if filters.owner is not None:
        qs = qs.filter(product__owner=filters.owner)
    return qs.order_by("pk")


@dataclass(frozen=True)
class RequestRow:
    """One feature request with its weight (``core.feedback.Weight``)."""

    request: FeatureRequest
    accounts: int
    mrr: int
    feedback: int


def weights_of(request_ids: Iterable[int]) -> dict[int, core.Weight]:
    """The weight of each request: requesting accounts, their current MRR, feedback count."""
    ids = list(request_ids)
    asks = Feedback.objects.filter(feature_request_id__in=ids).values_list(
        "feature_request_id", "account_id", "account__mrr"
    )
    mrr: dict[int, int] = {}
    rows = []
    for request_id, account_id, account_mrr in asks:
        rows.append(core.Ask(request_id, account_id))
        mrr[account_id] = account_mrr
    return core.request_weights(rows, mrr, request_ids=ids)


def request_rows(filters: RequestFilters) -> list[RequestRow]:
    """The requests the filters keep, heaviest first (``core.feedback.rank_key``)."""
    requests = {r.pk: r for r in requests_filtered(filters)}
    weights = core.ranked(weights_of(requests).values())
    return [RequestRow(requests[w.request_id], w.accounts, w.mrr, w.feedback) for w in weights]


def request_weight(feature_request: FeatureRequest) -> core.Weight:
    return weights_of([feature_request.pk])[feature_request.pk]


@dataclass(frozen=True)
class ProductRow:
    """One product's requests: its owner, how many per status, the open ones' MRR weight."""

    product: Product
    new: int
    planned: int
    shipped: int
    declined: int
    open_mrr: int


def product_rows(rows: list[RequestRow]) -> list[ProductRow]:
    """The board's requests summed per product (by product code). ``open_mrr`` adds the
    weights of its new and planned requests: an account asking for two of them counts in
    both, as each request is weighed on its own."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    products: dict[int, Product] = {}
    for row in rows:
        product = row.request.product
        products[product.pk] = product
        counts[product.pk][row.request.status] += 1
        if row.request.status in OPEN_STATUSES:
            counts[product.pk]["open_mrr"] += row.mrr
    return [
        ProductRow(
            product=p,
            new=counts[p.pk][core.NEW],
            planned=counts[p.pk][core.PLANNED],
            shipped=counts[p.pk][core.SHIPPED],
            declined=counts[p.pk][core.DECLINED],
            open_mrr=counts[p.pk]["open_mrr"],
        )
        for p in sorted(products.values(), key=lambda p: p.code)
    ]


@dataclass(frozen=True)
class RequestingAccount:
    """One account that asked for a request: its current MRR, how often and when last."""

    account: Account
    mrr: int
    feedback: int
    last_asked: dt.datetime


def requesting_accounts(feature_request: FeatureRequest) -> list[RequestingAccount]:
    """The accounts that asked for ``feature_request``, by current MRR (descending), then
    name."""
    ids = Feedback.objects.filter(feature_request=feature_request).values("account_id")
    accounts = (
        Account.objects.filter(pk__in=ids)
        .select_related("owner")
        .annotate(
            asks=Count("feedback", filter=Q(feedback__feature_request=feature_request)),
            last=Max("feedback__created_at", filter=Q(feedback__feature_request=feature_request)),
        )
        .order_by("-mrr", "kana", "pk")
    )
    return [RequestingAccount(a, max(int(a.mrr), 0), int(a.asks), a.last) for a in accounts]


def feedback_of_request(feature_request: FeatureRequest) -> QuerySet[Feedback]:
    return Feedback.objects.filter(feature_request=feature_request).select_related(
        "account", "contact", "created_by", "touchpoint"
    )


def history_of(feature_request: FeatureRequest) -> QuerySet[FeatureRequestChange]:
    return FeatureRequestChange.objects.filter(feature_request=feature_request).select_related(
        "changed_by"
    )


@dataclass(frozen=True)
class FeedbackFilters:
    """The feedback list's and the API's filters; None: not filtered. ``linked``: with
    (True) or without (False) a feature request."""

    account_id: int | None = None
    product: Product | None = None
    feature_request_id: int | None = None
    linked: bool | None = None


def feedback_filtered(filters: FeedbackFilters) -> QuerySet[Feedback]:
    """The feedback the filters keep, newest first, with what the lists show."""
    qs = Feedback.objects.select_related(
        "account", "contact", "product", "feature_request", "created_by"
    ).order_by("-created_at", "-id")
    if filters.account_id is not None:
        qs = qs.filter(account_id=filters.account_id)
    if filters.product is not None:
        qs = qs.filter(product=filters.product)
    if filters.feature_request_id is not None:
        qs = qs.filter(feature_request_id=filters.feature_request_id)
    if filters.linked is not None:
        qs = qs.filter(feature_request__isnull=not filters.linked)
    return qs


def feedback_of_account(account_id: int) -> list[Feedback]:
    """The account page's panel: the account's latest feedback (one query)."""
    return list(
        Feedback.objects.filter(account_id=account_id)
        .select_related("feature_request", "created_by")
        .order_by("-created_at", "-id")[:ACCOUNT_PANEL_LENGTH]
    )


def open_requests() -> QuerySet[FeatureRequest]:
    """The requests a new feedback may ask for (new or planned), by product and title."""
    return (
        FeatureRequest.objects.filter(status__in=OPEN_STATUSES)
        .select_related("product")
        .order_by("product__code", "title", "pk")
    )
