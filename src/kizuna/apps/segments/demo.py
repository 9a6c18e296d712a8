"""The demo company's segment rule, segment history and coverage policies, loaded by
``apps/demo`` after the accounts."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.segments.services import (
    coverage_policies_ensure_defaults,
    segment_history_initialise,
    segment_rule_current,
)


def segments_demo_load(*, review_on: dt.date) -> None:
    """The default rule as of the last review (``review_on``), every account's first segment
    period from that day, and the default coverage policies."""
    segment_rule_current(on=review_on)
    segment_history_initialise(on=review_on)
    coverage_policies_ensure_defaults()
