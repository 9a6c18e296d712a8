"""The coverage policies as the analytics core's values (``kizuna.core.coverage``); reads
only, never writes."""

from __future__ import annotations

from kizuna.apps.segments.models import CoveragePolicy as PolicyRow
from kizuna.core.coverage import DEFAULT_POLICIES, CoveragePolicy
from kizuna.core.segmentation import SEGMENT_ORDER


def coverage_policies() -> list[CoveragePolicy]:
    """Every segment's coverage policy, in the segments' order (high, low, tech, community,
    then any other saved segment): its saved row, or the core's default for a segment without
    one (the data migration seeds every row; a database emptied since, as a test may, still
    reads the defaults). One query; nothing is written."""
    policies = {policy.segment: policy for policy in DEFAULT_POLICIES}
    for row in PolicyRow.objects.all():
        policies[row.segment] = CoveragePolicy(
            segment=row.segment,
            period_months=row.period_months,
            target=float(row.target),
            qualifying_kinds=frozenset(row.qualifying_kinds),
        )
    order = {segment: index for index, segment in enumerate(SEGMENT_ORDER)}
    return sorted(policies.values(), key=lambda p: (order.get(p.segment, len(order)), p.segment))
