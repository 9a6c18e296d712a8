"""The demo's renewals and the work on them: every renewal derived from the demo's lines
(``renewals_refresh``), then, for the open high- and low-touch renewals ahead, the work a CS
team would have done by 今日 (seeded, so the same demo gives the same work):

- a forecast call on most renewals in the plan window (tech touch: within 90 days), leaning
  on the account's latest health colour (green: commit or likely; amber: likely or at risk;
  red: at risk or lost);
- closing plans of varying quality (a full one with risks, the decision maker and process and
  four steps; a thin one with a decision maker and one step);
- review history signed off by the manager of the account's team at the cadence; one plan in
  five missed its latest review and is *review overdue*; one renewal in six in its window has
  no plan (*plan missing*);
- stages that follow: plan drafted, in negotiation within 60 days, committed on some commits.

Rows are written in bulk (no audit events: nobody typed them).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from kizuna.apps.customers.models import Segment
from kizuna.apps.health.models import HealthScore
from kizuna.apps.org.access import rule_task_owner
from kizuna.apps.org.models import User
from kizuna.apps.renewals.models import (
    ClosingPlan,
    ForecastCall,
    PlanReview,
    PlanStep,
    Renewal,
    Stage,
)
from kizuna.apps.renewals.selectors import cadences
from kizuna.apps.renewals.services import renewals_refresh
from kizuna.core.renewals.cadence import Cadence, next_review_after, window_opens

SEED = 15
#: the touch models whose renewals get closing plans
PLANNED = (Segment.HIGH, Segment.LOW)
#: a renewal without a plan (tech touch) gets a call this many days ahead
CALL_DAYS = 90

RISKS = [
    "予算削減の方針が出ており、ライセンス数の見直しを求められる可能性",
    "競合他社から低価格の提案を受けている",
    "推進担当者が異動予定で、社内の利用推進が止まるおそれ",
    "一部部署で利用が定着しておらず、費用対効果を問われている",
    "情報システム部門のセキュリティ審査が更新前に必要",
    "親会社主導でツールの統一が検討されている",
]
DECISION_MAKERS = [
    "経営企画部 部長 佐藤様",
    "情報システム部 部長 鈴木様",
    "管理本部 本部長 高橋様",
    "代表取締役 伊藤様",
    "人事部 部長 渡辺様",
    "経理部 課長 小林様",
]
PROCESSES = [
    "部長承認の後、翌月の経営会議で決裁",
    "稟議(課長→部長→役員)。稟議の回付に約3週間",
    "情報システム部の審査 → 購買部の見積比較 → 役員決裁",
    "予算は期初に確定。更新は現場部長の判断で可",
]
STEPS = [
    ("利用状況レポートを送付", -100),
    ("決裁者との定例で活用効果を報告", -75),
    ("更新見積と契約条件の提示", -45),
    ("稟議書の作成を支援", -30),
]
THIN_STEP = ("更新の意向を確認", -30)


@dataclass(frozen=True)
class RenewalsDemo:
    renewals: int
    plans: int
    overdue: int
    missing: int


def _colours(account_ids: list[int]) -> dict[int, str]:
    """The latest health colour of each account."""
    found: dict[int, str] = {}
    rows = (
        HealthScore.objects.filter(account_id__in=account_ids)
        .order_by("account_id", "-day")
        .values_list("account_id", "rag")
    )
    for account_id, rag in rows.iterator(chunk_size=20_000):
        found.setdefault(account_id, rag)
    return found


CALLS = {
    "green": [ForecastCall.COMMIT, ForecastCall.COMMIT, ForecastCall.LIKELY],
    "amber": [ForecastCall.LIKELY, ForecastCall.LIKELY, ForecastCall.AT_RISK],
    "red": [ForecastCall.AT_RISK, ForecastCall.AT_RISK, ForecastCall.LOST],
}


def renewals_demo_load(*, as_of: dt.date) -> RenewalsDemo:
    """Derive the demo's renewals and give the open high- and low-touch ones their work."""
    result = renewals_refresh(today=as_of)
    rng = random.Random(SEED)
    by_segment = cadences()
    renewals = list(
        Renewal.objects.filter(date__gt=as_of, stage=Stage.NOT_STARTED)
        .select_related("account")
        .order_by("date", "account_id")
    )
    colours = _colours([r.account_id for r in renewals])
    managers: dict[int | None, User | None] = {}
    plans: list[tuple[Renewal, ClosingPlan, list[PlanStep], list[PlanReview]]] = []
    missing = overdue = 0
    for n, renewal in enumerate(r for r in renewals if _in_window(r, by_segment, as_of)):
        account = renewal.account
        cadence = by_segment[account.segment]
        if rng.random() < 0.85:
            colour = colours.get(account.pk) or "amber"
            renewal.forecast_call = rng.choice(CALLS.get(colour, CALLS["amber"]))
        if account.segment not in PLANNED:
            continue
        # every sixth renewal in its window has no plan yet (plan missing)
        if n % 6 == 3:
            missing += 1
            continue
        if account.team_id not in managers:
            managers[account.team_id] = rule_task_owner(None, account.team_id)
        opens = window_opens(renewal.date, cadence)
        # every fifth plan has fallen behind its review (when its window opened long enough ago)
        stale = n % 5 == 1 and (as_of - opens).days > 10
        overdue += stale
        plan, steps, reviews = _plan(
            rng, renewal, opens=opens, as_of=as_of, cadence=cadence, stale=stale,
            manager=managers[account.team_id], owner_id=account.owner_id,
        )  # fmt: skip
        renewal.stage = Stage.PLAN_DRAFTED
        if (renewal.date - as_of).days <= 60:
            renewal.stage = Stage.NEGOTIATION
            if renewal.forecast_call == ForecastCall.COMMIT and rng.random() < 0.5:
                renewal.stage = Stage.COMMITTED
        plans.append((renewal, plan, steps, reviews))
    _write(renewals, plans)
    return RenewalsDemo(result.created, len(plans), overdue, missing)


def _in_window(renewal: Renewal, by_segment: dict[str, Cadence], as_of: dt.date) -> bool:
    """Inside its plan window (high and low touch), or within ``CALL_DAYS`` (the others)."""
    cadence = by_segment[renewal.account.segment]
    if renewal.account.segment in PLANNED:
        return window_opens(renewal.date, cadence) <= as_of
    return (renewal.date - as_of).days <= CALL_DAYS


def _plan(
    rng: random.Random,
    renewal: Renewal,
    *,
    opens: dt.date,
    as_of: dt.date,
    cadence: Cadence,
    stale: bool,
    manager: User | None,
    owner_id: int | None,
) -> tuple[ClosingPlan, list[PlanStep], list[PlanReview]]:
    full = rng.random() < 0.6
    plan = ClosingPlan(
        renewal=renewal,
        risks="\n".join(rng.sample(RISKS, 2)) if full else "",
        decision_maker=rng.choice(DECISION_MAKERS),
        decision_process=rng.choice(PROCESSES) if full else "",
    )
    steps: list[PlanStep] = []
    for order, (title, offset) in enumerate(STEPS if full else [THIN_STEP], start=1):
        due = renewal.date + dt.timedelta(days=offset)
        done = due - dt.timedelta(days=rng.randint(0, 5)) if due < as_of else None
        steps.append(PlanStep(order=order, title=title, owner_id=owner_id, due_on=due,
                              done_on=done))  # fmt: skip
    # reviews one cadence apart from the window's opening up to 今日; a stale plan missed its
    # latest one: its next review date passed a few days to a few weeks ago
    reviews: list[PlanReview] = []
    notes = ["方針を確認。", "決裁者との面談を優先すること。", "価格交渉の準備を進める。"]
    day = opens + dt.timedelta(days=rng.randint(0, 5))
    while manager is not None and day <= as_of:
        reviews.append(PlanReview(reviewed_on=day, reviewed_by=manager, note=rng.choice(notes)))
        day = next_review_after(day, renewal.date, cadence)
    if stale and reviews:
        reviews.pop()
    since = reviews[-1].reviewed_on if reviews else opens
    plan.next_review_on = next_review_after(since, renewal.date, cadence)
    late = min(rng.randint(3, 25), (as_of - since).days - 1)
    if stale and late > 0:
        plan.next_review_on = as_of - dt.timedelta(days=late)
    return plan, steps, reviews


def _write(
    renewals: list[Renewal],
    plans: list[tuple[Renewal, ClosingPlan, list[PlanStep], list[PlanReview]]],
) -> None:
    Renewal.objects.bulk_update(renewals, ["stage", "forecast_call"], batch_size=2000)
    ClosingPlan.objects.bulk_create([plan for _r, plan, _s, _v in plans], batch_size=2000)
    steps: list[PlanStep] = []
    reviews: list[PlanReview] = []
    for _renewal, plan, plan_steps, plan_reviews in plans:
        for step in plan_steps:
            step.plan = plan
        for review in plan_reviews:
            review.plan = plan
        steps += plan_steps
        reviews += plan_reviews
    PlanStep.objects.bulk_create(steps, batch_size=2000)
    PlanReview.objects.bulk_create(reviews, batch_size=2000)
