"""The demo's voice of the customer: each product has an owner and weighted requests, two
shipped (their requesters counted as told) and one declined, and the board ranks them."""

from __future__ import annotations

from kizuna.apps.customers.models import Product
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.feedback.models import FeatureRequest, Feedback
from kizuna.apps.feedback.selectors import RequestFilters, request_rows


def test_the_demo_has_weighted_requests_and_a_couple_shipped(db: object) -> None:
    demo_load_if_empty(accounts=80, seed=7, password="kizuna-demo")
    assert not Product.objects.filter(owner__isnull=True).exists()
    statuses = sorted(FeatureRequest.objects.values_list("status", flat=True))
    assert statuses.count("shipped") == 2 and statuses.count("declined") == 1
    assert (
        FeatureRequest.objects.filter(status="shipped", requesters_notified_at__isnull=True).count()
        == 0
    )
    rows = request_rows(RequestFilters())
    assert rows[0].mrr > 0 and rows[0].accounts >= 2
    assert [r.mrr for r in rows] == sorted((r.mrr for r in rows), reverse=True)
    # every feedback is from an account using its product, logged by its owner
    assert Feedback.objects.filter(feature_request__isnull=True).exists()
    for f in Feedback.objects.select_related("account")[:50]:
        assert f.created_by_id == f.account.owner_id
        assert f.account.subscription_lines.filter(product_id=f.product_id).exists()
