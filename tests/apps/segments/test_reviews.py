"""Segmentation reviews: preview who moves, apply as one recorded action, keep history;
exceptions need a reason and expire."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kizuna.apps.customers.models import Account
from kizuna.apps.segments.models import (
    AccountSegmentPeriod,
    CoveragePolicy,
    MoveFigures,
    ReviewStatus,
    ReviewSummary,
    SegmentRule,
)
from kizuna.apps.segments.selectors import (
    LoadAfterRow,
    LoadCell,
    ReviewMoves,
    SegmentFigures,
    account_segment_on,
    review_load_after,
    review_moved_accounts,
    review_moved_rows,
    review_pairs,
    segment_overview,
)
from kizuna.apps.segments.services import (
    coverage_policies_ensure_defaults,
    segment_exception_create,
    segment_exceptions_expire,
    segment_history_initialise,
    segment_review_apply,
    segment_review_preview,
)
from tests.factories import AccountFactory, World

DAY = dt.date(2026, 10, 1)


@pytest.fixture
def ten_accounts(world: World) -> list[Account]:
    """Ten active tech-touch accounts with MRR 10,000 … 100,000 (scores 120,000 … 1,200,000)."""
    Account.objects.all().delete()
    accounts = [
        AccountFactory(mrr=10_000 * (i + 1), segment="tech", owner=world.csm, team=world.strategic)
        for i in range(10)
    ]
    segment_history_initialise(on=dt.date(2026, 1, 1))
    return accounts


def percentile_rule() -> SegmentRule:
    return SegmentRule.objects.create(kind="percentile", effective_from=DAY)


def test_it_previews_the_percentile_rule_without_changing_anything(
    world: World, ten_accounts: list[Account]
) -> None:
    # when CS ops previews the default rule (top 10% high, next 30% low)
    review = segment_review_preview(actor=world.admin, rule=percentile_rule(), as_of=DAY)
    # then the top account would go high, the next three low, nobody has moved yet
    assert review.moves == {
        str(ten_accounts[9].pk): ["tech", "high"],
        str(ten_accounts[8].pk): ["tech", "low"],
        str(ten_accounts[7].pk): ["tech", "low"],
        str(ten_accounts[6].pk): ["tech", "low"],
    }
    assert review.summary["pairs"] == {
        "tech>high": {"count": 1, "mrr": 100_000},
        "tech>low": {"count": 3, "mrr": 240_000},
    }
    assert review.summary["load_after"] == {str(world.csm.pk): {"high": 1, "low": 3, "tech": 6}}
    assert set(Account.objects.values_list("segment", flat=True)) == {"tech"}


def test_it_applies_a_review_once_and_keeps_history(
    world: World, ten_accounts: list[Account]
) -> None:
    review = segment_review_preview(actor=world.admin, rule=percentile_rule(), as_of=DAY)
    # when it is applied
    moved = segment_review_apply(actor=world.admin, review=review)
    # then the accounts moved on the review date and their past segment is still answerable
    top = ten_accounts[9]
    top.refresh_from_db()
    review.refresh_from_db()
    assert moved == 4
    assert top.segment == "high"
    assert (review.status, review.applied_by) == (ReviewStatus.APPLIED, world.admin)
    assert account_segment_on(account=top, day=DAY - dt.timedelta(days=1)) == "tech"
    assert account_segment_on(account=top, day=DAY) == "high"
    assert account_segment_on(account=top, day=dt.date(2025, 12, 31)) is None
    with pytest.raises(ValidationError):
        segment_review_apply(actor=world.admin, review=review)
    assert AccountSegmentPeriod.objects.filter(account=top).count() == 2


def test_it_lets_only_cs_ops_preview_or_apply(world: World, ten_accounts: list[Account]) -> None:
    for persona in (world.csm, world.manager, world.viewer):
        with pytest.raises(PermissionDenied):
            segment_review_preview(actor=persona, rule=percentile_rule(), as_of=DAY)
    review = segment_review_preview(actor=world.admin, rule=percentile_rule(), as_of=DAY)
    client = Client()
    client.force_login(world.manager)
    response = client.post(reverse("segments:review_apply", args=[review.pk]))
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == ReviewStatus.PREVIEW


def test_it_keeps_an_exception_through_a_review_and_ends_it_at_expiry(
    world: World, ten_accounts: list[Account]
) -> None:
    # given the manager raised the smallest account to high touch until 2026-12-31
    small = ten_accounts[0]
    segment_exception_create(
        actor=world.manager,
        account=small,
        segment="high",
        reason="経営層が導入を主導",
        expires_on=dt.date(2026, 12, 31),
        today=dt.date(2026, 9, 1),
    )
    small.refresh_from_db()
    assert small.segment == "high"
    # when a review runs, the exception wins over the rule
    review = segment_review_preview(actor=world.admin, rule=percentile_rule(), as_of=DAY)
    assert str(small.pk) not in review.moves
    assert review.summary["exceptions_kept"] == 1
    # and when it expires, the account returns to its segment before the exception
    assert segment_exceptions_expire(today=dt.date(2026, 12, 31)) == 0
    assert segment_exceptions_expire(today=dt.date(2027, 1, 1)) == 1
    small.refresh_from_db()
    assert small.segment == "tech"
    assert small.audit_events.filter(entity="segmentexception").count() == 1


@pytest.mark.parametrize(
    ("reason", "expires", "segment", "field"),
    [
        ("  ", dt.date(2026, 12, 31), "high", "reason"),
        ("理由", dt.date(2026, 9, 1), "high", "expires_on"),
        ("理由", dt.date(2026, 12, 31), "tech", "segment"),
    ],
)
def test_it_rejects_an_exception_without_reason_future_expiry_or_change(
    world: World,
    ten_accounts: list[Account],
    reason: str,
    expires: dt.date,
    segment: str,
    field: str,
) -> None:
    with pytest.raises(ValidationError) as error:
        segment_exception_create(
            actor=world.admin,
            account=ten_accounts[0],
            segment=segment,
            reason=reason,
            expires_on=expires,
            today=dt.date(2026, 9, 1),
        )
    assert field in error.value.message_dict
    assert not ten_accounts[0].segment_exceptions.exists()


def test_it_refuses_exceptions_to_csms_and_viewers(
    world: World, ten_accounts: list[Account]
) -> None:
    client = Client()
    client.force_login(world.csm)
    url = reverse("segments:exception_create", args=[ten_accounts[0].pk])
    assert client.get(url).status_code == 403
    client.force_login(world.viewer)
    assert client.get(url).status_code == 403


def test_it_shows_the_overview_and_a_review_page(world: World, ten_accounts: list[Account]) -> None:
    client = Client()
    client.force_login(world.admin)
    rule = {
        "kind": "amount",
        "high_share": "0.1",
        "low_share": "0.3",
        "high_min": "1000000",
        "low_min": "500000",
        "effective_from": "2026-10-01",
        "review_interval_months": "6",
    }
    response = client.get(reverse("segments:review_create"), rule)
    assert response.status_code == 200
    page = response.content.decode()
    # scores ≥ 1,000,000: MRR 90,000 and 100,000 (1,080,000 and 1,200,000) → high;
    # ≥ 500,000: MRR 50,000 … 80,000 → low
    assert "6 件の顧客を移動して適用" in page
    overview = client.get(reverse("segments:overview")).content.decode()
    assert "カバー率の方針" in overview


def test_it_rejects_a_rule_whose_shares_exceed_100_percent(
    world: World, ten_accounts: list[Account]
) -> None:
    client = Client()
    client.force_login(world.admin)
    response = client.post(
        reverse("segments:review_create"),
        {
            "kind": "percentile",
            "high_share": "0.6",
            "low_share": "0.6",
            "effective_from": "2026-10-01",
            "review_interval_months": "6",
        },
    )
    assert response.status_code == 400
    assert "2つの割合の合計は100%以下にしてください。" in response.content.decode()
    assert not SegmentRule.objects.filter(high_share="0.6").exists()


def test_it_carves_a_community_segment_from_the_bottom_of_tech_touch(
    world: World, ten_accounts: list[Account]
) -> None:
    rule = SegmentRule.objects.create(kind="percentile", effective_from=DAY, community_share="0.5")
    review = segment_review_preview(actor=world.admin, rule=rule, as_of=DAY)
    community = {pk for pk, (_before, after) in review.moves.items() if after == "community"}
    assert community == {str(a.pk) for a in ten_accounts[:3]}


def test_it_lets_cs_ops_edit_a_coverage_policy_and_audits_it(world: World) -> None:
    from kizuna.apps.audit.models import AuditEvent
    from kizuna.apps.segments.models import CoveragePolicy
    from kizuna.apps.segments.services import coverage_policies_ensure_defaults

    coverage_policies_ensure_defaults()
    url = reverse("segments:policy_edit", args=["high"])
    client = Client()
    client.force_login(world.manager)
    assert client.get(url).status_code == 403
    client.force_login(world.admin)
    bad = client.post(
        url,
        {
            "period_months": "1",
            "target": "0.9",
            "qualifying_kinds": ["meeting"],
            "min_accounts_per_csm": "12",
            "max_accounts_per_csm": "8",
        },
    )
    assert bad.status_code == 400
    assert "上限は下限以上にしてください。" in bad.content.decode()
    good = client.post(
        url,
        {
            "period_months": "2",
            "target": "0.9",
            "qualifying_kinds": ["meeting", "onsite"],
            "min_accounts_per_csm": "5",
            "max_accounts_per_csm": "8",
        },
    )
    assert good.status_code == 302
    policy = CoveragePolicy.objects.get(segment="high")
    assert (policy.period_months, float(policy.target), policy.qualifying_kinds) == (
        2,
        0.9,
        ["meeting", "onsite"],
    )
    assert AuditEvent.objects.get(entity="coveragepolicy").changes["period_months"] == [1, 2]


AMOUNT_RULE = {
    "kind": "amount",
    "high_share": "0.1",
    "low_share": "0.3",
    "high_min": "1000000",
    "low_min": "500000",
    "effective_from": "2026-10-01",
    "review_interval_months": "6",
}


def test_a_preview_on_the_page_saves_no_rule_and_no_review(
    world: World, ten_accounts: list[Account]
) -> None:
    from kizuna.apps.segments.models import SegmentReview
    from kizuna.apps.segments.services import segment_rule_current

    # given the rule in force
    in_force = segment_rule_current(on=DAY)
    client = Client()
    client.force_login(world.admin)
    # when CS ops previews another rule (twice, and pages through the movers)
    for page in ("1", "2"):
        response = client.get(reverse("segments:review_create"), {**AMOUNT_RULE, "page": page})
        assert response.status_code == 200
    # then nothing is saved and the rule in force is unchanged
    assert list(SegmentRule.objects.all()) == [in_force]
    assert not SegmentReview.objects.exists()
    assert segment_rule_current(on=DAY) == in_force


def test_applying_a_previewed_rule_needs_the_confirmation(
    world: World, ten_accounts: list[Account]
) -> None:
    from kizuna.apps.segments.models import SegmentReview

    client = Client()
    client.force_login(world.admin)
    # when CS ops applies without ticking the box
    response = client.post(reverse("segments:review_create"), AMOUNT_RULE)
    # then they are back on the preview, told so, and nothing moved
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("segments:review_create") + "?kind=amount")
    assert not SegmentReview.objects.exists()
    assert not AccountSegmentPeriod.objects.filter(source="review").exists()
    # when they tick it
    response = client.post(reverse("segments:review_create"), {**AMOUNT_RULE, "confirm": "yes"})
    # then the rule is saved and its review applied, once
    review = SegmentReview.objects.get()
    assert response["Location"] == reverse("segments:review", args=[review.pk])
    assert review.status == ReviewStatus.APPLIED and review.applied_by == world.admin
    assert review.rule.high_min == 1_000_000
    assert len(review.moves) == 6


def test_a_stored_review_is_applied_only_when_confirmed(
    world: World, ten_accounts: list[Account]
) -> None:
    review = segment_review_preview(actor=world.admin, rule=percentile_rule(), as_of=DAY)
    client = Client()
    client.force_login(world.admin)
    client.post(reverse("segments:review_apply", args=[review.pk]))
    review.refresh_from_db()
    assert review.status == ReviewStatus.PREVIEW
    client.post(reverse("segments:review_apply", args=[review.pk]), {"confirm": "yes"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPLIED


def test_its_pages_read_the_review_as_typed_rows(world: World, ten_accounts: list[Account]) -> None:
    # given a preview of the default rule, and load norms of 1 high / 2 low accounts per CSM
    coverage_policies_ensure_defaults()
    CoveragePolicy.objects.filter(segment="high").update(max_accounts_per_csm=1)
    CoveragePolicy.objects.filter(segment="low").update(max_accounts_per_csm=2)
    review = segment_review_preview(actor=world.admin, rule=percentile_rule(), as_of=DAY)
    # when the review page reads it
    pairs = review_pairs(review)
    load = review_load_after(review)
    moved = review_moved_rows(review, review_moved_accounts(review))
    # then the moves read by name, up-moves first, the largest group first
    assert pairs == [
        ReviewMoves(
            from_label="テックタッチ", to_label="ロータッチ", up=True, count=3, mrr=240_000
        ),
        ReviewMoves(
            from_label="テックタッチ", to_label="ハイタッチ", up=True, count=1, mrr=100_000
        ),
    ]
    assert load == [
        LoadAfterRow(
            owner=world.csm,
            cells=(LoadCell("high", 1, over=False), LoadCell("low", 3, over=True)),
            total=10,
        )
    ]
    assert [(row.account.pk, row.before, row.after) for row in moved] == [
        (ten_accounts[9].pk, "tech", "high"),
        (ten_accounts[8].pk, "tech", "low"),
        (ten_accounts[7].pk, "tech", "low"),
        (ten_accounts[6].pk, "tech", "low"),
    ]
    assert (review.move_count, review.figures.accounts, review.figures.exceptions_kept) == (
        4,
        10,
        0,
    )
    # and the overview counts the active accounts per segment, in the touch-model order
    assert segment_overview() == [
        SegmentFigures(segment="tech", label="テックタッチ", accounts=10, mrr=550_000)
    ]


def test_the_stored_summary_reads_back_as_it_was_written() -> None:
    # given a summary as the service writes it
    summary = ReviewSummary(
        accounts=3,
        pairs={"tech>high": MoveFigures(count=1, mrr=5)},
        segments_after={"high": 1, "tech": 2},
        load_after={"7": {"high": 1}},
        exceptions_kept=1,
    )
    # when stored as JSON and read back, then nothing changed, and the JSON is the stored shape
    assert ReviewSummary.from_json(summary.as_json()) == summary
    assert summary.as_json()["pairs"] == {"tech>high": {"count": 1, "mrr": 5}}
    # and an empty summary (a review stored before any figure) reads as zeros
    assert ReviewSummary.from_json({}) == ReviewSummary()
