"""The work the demo company of 200 accounts shows: renewals being worked, churns with reasons
(loaded once for the module)."""

from __future__ import annotations

from collections import Counter

from kizuna.apps.churnreasons.models import ChurnReason
from kizuna.apps.customers.models import Account
from kizuna.apps.renewals.models import ClosingPlan, PlanReview
from kizuna.apps.renewals.selectors import PipelineFilters, pipeline_rows
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import add_months

#: the size of the module's demo company (``conftest.demo_company``)
DEMO_ACCOUNTS = 200


def test_it_gives_the_open_renewals_believable_work(demo: None) -> None:
    # given the demo company of 200 accounts
    today = tenant_today()
    rows = pipeline_rows(
        PipelineFilters(first_month=today.replace(day=1), last_month=add_months(today, 6)),
        today=today,
    )
    statuses = Counter(row.status for row in rows)
    # then renewals ahead have plans, some overdue for review and some missing, calls on most
    # of those in their window, and reviews signed off by managers only
    assert statuses["planned"] >= 3
    assert statuses["review_overdue"] >= 1
    assert statuses["plan_missing"] >= 1
    worked = [row for row in rows if row.status in {"planned", "review_overdue", "plan_missing"}]
    assert sum(1 for row in worked if row.renewal.forecast_call) > len(worked) // 2
    assert set(PlanReview.objects.values_list("reviewed_by__role", flat=True)) == {"manager"}
    assert ClosingPlan.objects.exclude(decision_maker="").count() == ClosingPlan.objects.count()


def test_it_gives_the_churned_accounts_and_cancelled_lines_believable_reasons(demo: None) -> None:
    # given the demo company of 200 accounts
    today = tenant_today()
    reasons = list(ChurnReason.objects.select_related("category"))
    # then every churned account has its churn found, and most older churns have a reason
    churned = set(Account.objects.filter(phase="churned", mrr=0).values_list("pk", flat=True))
    whole = {r.account_id for r in reasons if r.line_id is None}
    assert churned and churned <= whole
    older = [r for r in reasons if (today - r.churned_on).days > 30]
    recorded = [r for r in older if r.category is not None]
    assert len(recorded) >= 0.8 * len(older)
    assert all(r.recorded_at and r.recorded_at.date() > r.churned_on for r in recorded)
    assert all(r.lost_mrr == sum(r.losses.values_list("mrr", flat=True)) for r in reasons)
    # and the reasons spread over the taxonomy, the most common no more than half of them
    counts = Counter(r.category.key for r in recorded if r.category)
    assert len(counts) >= 5
    assert counts.most_common(1)[0][1] <= len(recorded) / 2
    # and nothing recent was recorded by the demo: the missing tab has work to show
    assert all(r.category is None for r in reasons if (today - r.churned_on).days <= 30)
