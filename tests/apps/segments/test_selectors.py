"""Reads of the touch model the overview page shows: the rule in force and the next review."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.segments.models import ReviewStatus, SegmentReview, SegmentRule
from kizuna.apps.segments.selectors import next_review_on, reviews_latest, segment_rule_in_force
from tests.factories import World

DAY = dt.date(2026, 10, 17)


def test_without_a_saved_rule_the_default_is_in_force_unsaved(world: World) -> None:
    # given no rule at all
    # when the rule in force is read
    rule = segment_rule_in_force(on=DAY)

    # then the default percentile rule from that day, 10 % / 30 %, six-monthly, not saved
    assert (rule.pk, rule.kind, rule.effective_from) == (None, "percentile", DAY)
    assert (float(rule.high_share), float(rule.low_share), rule.review_interval_months) == (
        0.1,
        0.3,
        6,
    )
    assert not SegmentRule.objects.exists()


def test_the_next_review_counts_from_the_last_applied_one_else_from_the_rules_start(
    world: World,
) -> None:
    # given a rule effective from 17 October 2026, reviewed every 6 months
    rule = SegmentRule.objects.create(kind="percentile", effective_from=DAY)

    # when no review was applied, then from the rule's month: 1 April 2027
    assert next_review_on(rule) == dt.date(2027, 4, 1)

    # when a review of 31 January 2027 was applied (and a later one only previewed)
    SegmentReview.objects.create(rule=rule, as_of=dt.date(2027, 1, 31), status=ReviewStatus.APPLIED)
    SegmentReview.objects.create(rule=rule, as_of=dt.date(2027, 3, 1))

    # then six months from January: 1 July 2027; the overview lists both, newest first
    assert next_review_on(rule) == dt.date(2027, 7, 1)
    assert [r.as_of for r in reviews_latest()] == [dt.date(2027, 3, 1), dt.date(2027, 1, 31)]
    assert len(reviews_latest(limit=1)) == 1
