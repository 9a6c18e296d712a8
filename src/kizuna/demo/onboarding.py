"""Onboardings of the demo company (pure, seeded): templates per product and the days each
criterion was met, consistent with the accounts' churn and usage.

- One onboarding per account and product, from the first line of that product, for lines that
  started in the last two years.
- Most complete on time (high touch more often than low, low more than tech); some finish
  late; a few are expected to churn and then revive.
- An account-product that churned within about a year of its start failed its onboarding three
  times in four: some phase never got done, so it stalled, was expected to churn, and churned
  (the seeds' story: a tool that is not woven into the workflow is cancelled).
- Onboardings that started in the last 60 days (the window of the demo's usage) get only the
  CSM's ticks: their usage criteria are found by the real job in the demo's usage rollups.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Final

from kizuna.core.onboarding.timeline import CriterionSpec, PhaseSpec, UsageRule
from kizuna.demo.types import DemoDataset


def _manual(key: str, label_ja: str, label_en: str) -> CriterionSpec:
    return CriterionSpec(label_ja, label_en, key=key)


def _kickoff(code: str) -> PhaseSpec:
    held = _manual(f"{code}.kickoff", "キックオフ会議を実施", "Kickoff meeting held")
    return PhaseSpec("キックオフ", "Kickoff", 7, (held,))


def _rollout(code: str, day: int, share: int) -> PhaseSpec:
    rule = CriterionSpec(
        f"契約席数の{share}%が1日に利用",
        f"{share} % of seats active on a day",
        UsageRule("seat_share", threshold=share, window_days=1),
        key=f"{code}.rollout",
    )
    return PhaseSpec("社内展開", "Team rollout", day, (rule,))


def _use(code: str, feature: str, label_ja: str, label_en: str, n: int) -> CriterionSpec:
    rule = UsageRule("feature_events", threshold=n, window_days=7, feature=feature)
    return CriterionSpec(label_ja, label_en, rule, key=f"{code}.use")


TEMPLATES: Final[dict[str, tuple[PhaseSpec, ...]]] = {
    "expense": (
        _kickoff("expense"),
        PhaseSpec(
            "初期設定",
            "Initial settings",
            21,
            (
                _manual("expense.flow", "承認フローを作成", "Approval flow created"),
                _manual("expense.staff", "従業員データを登録", "Employees imported"),
            ),
            is_setup=True,
        ),
        PhaseSpec(
            "初回利用",
            "First real use",
            35,
            (
                _use(
                    "expense",
                    "expense_report",
                    "7日間で経費申請5件",
                    "5 expense reports in 7 days",
                    5,
                ),
            ),
        ),
        _rollout("expense", 60, 25),
    ),
    "invoice": (
        _kickoff("invoice"),
        PhaseSpec(
            "初期設定",
            "Initial settings",
            21,
            (_manual("invoice.rules", "仕訳ルールを設定", "Journal rules set up"),),
            is_setup=True,
        ),
        PhaseSpec(
            "初回利用",
            "First real use",
            30,
            (
                _use(
                    "invoice",
                    "invoice_receive",
                    "7日間で請求書10件受取",
                    "10 invoices received in 7 days",
                    10,
                ),
            ),
        ),
        _rollout("invoice", 60, 25),
    ),
    "attendance": (
        _kickoff("attendance"),
        PhaseSpec(
            "初期設定",
            "Initial settings",
            30,
            (
                _manual("attendance.rules", "就業規則を設定", "Work rules configured"),
                _manual("attendance.devices", "打刻方法を案内", "Clock-in method rolled out"),
            ),
            is_setup=True,
        ),
        PhaseSpec(
            "初回利用",
            "First real use",
            45,
            (_use("attendance", "clock_in_out", "7日間で打刻20件", "20 clock-ins in 7 days", 20),),
        ),
        _rollout("attendance", 75, 25),
    ),
    "workflow": (
        _kickoff("workflow"),
        PhaseSpec(
            "初期設定",
            "Initial settings",
            21,
            (_manual("workflow.forms", "申請フォームを作成", "Request forms created"),),
            is_setup=True,
        ),
        PhaseSpec(
            "初回利用",
            "First real use",
            35,
            (_use("workflow", "workflow_request", "7日間で申請5件", "5 requests in 7 days", 5),),
        ),
        _rollout("workflow", 60, 25),
    ),
}
GRACE_DAYS: Final = 30
SETUP_DUE_DAY: Final = 30  # the longest setup target of the templates
HISTORY_DAYS: Final = 730
USAGE_DAYS: Final = 60
ON_TIME: Final = {"high": 0.93, "low": 0.88, "tech": 0.82}
FAILS: Final = {"high": 0.03, "low": 0.06, "tech": 0.10}


@dataclass(frozen=True)
class DemoCheck:
    criterion_key: str
    met_on: dt.date
    manual: bool


@dataclass(frozen=True)
class DemoOnboarding:
    account_key: str
    product_code: str
    started_on: dt.date
    checks: tuple[DemoCheck, ...]
    first_usage_on: dt.date | None  # None: never used, or within the demo's usage window


def generate_onboardings(dataset: DemoDataset, *, seed: int | str) -> tuple[DemoOnboarding, ...]:
    rng = random.Random(f"{seed}:onboarding")
    segments = {a.key: a.segment for a in dataset.accounts}
    first: dict[tuple[str, str], dt.date] = {}
    ends: dict[tuple[str, str], list[dt.date | None]] = {}
    for line in sorted(dataset.subscription_lines, key=lambda x: x.start_date):
        key = (line.account_key, line.product_code)
        first.setdefault(key, line.start_date)
        ends.setdefault(key, []).append(line.end_date)
    since = dataset.as_of - dt.timedelta(days=HISTORY_DAYS)
    out = []
    for (account_key, code), start in sorted(first.items()):
        if code not in TEMPLATES or not since <= start <= dataset.as_of:
            continue
        ended = _ended(ends[(account_key, code)], dataset.as_of)
        checks = _checks(
            rng, TEMPLATES[code], start, segments.get(account_key, "tech"), ended, dataset.as_of
        )
        recent = (dataset.as_of - start).days < USAGE_DAYS
        used = not recent and (checks or rng.random() < 0.5)
        first_use = start + dt.timedelta(days=rng.randint(1, 10)) if used else None
        out.append(DemoOnboarding(account_key, code, start, checks, first_use))
    return tuple(out)


def _ended(end_dates: list[dt.date | None], as_of: dt.date) -> dt.date | None:
    """The end of the account's subscription to the product, if no line of it runs on."""
    if any(end is None or end > as_of for end in end_dates):
        return None
    return max(end for end in end_dates if end is not None)


def _checks(
    rng: random.Random,
    phases: tuple[PhaseSpec, ...],
    start: dt.date,
    segment: str,
    ended: dt.date | None,
    as_of: dt.date,
) -> tuple[DemoCheck, ...]:
    early_churn = ended is not None and (ended - start).days < 400
    fails = rng.random() < (0.75 if early_churn else FAILS[segment])
    # a live account that failed never finished its (manual) setup; a churned one may stop later
    fail_at = rng.choice((1, 2, 2, 3, 3, 3) if early_churn else (1, 2)) if fails else len(phases)
    on_time = not fails and rng.random() < ON_TIME[segment]
    revived = not fails and not on_time and ended is None and rng.random() < 0.05
    late_at = rng.randrange(1, len(phases)) if not (fails or on_time) else len(phases)
    recent = (as_of - start).days < USAGE_DAYS
    checks: list[DemoCheck] = []
    cursor = start
    for index, phase in enumerate(phases[:fail_at]):
        target = start + dt.timedelta(days=phase.target_day)
        if index >= late_at:
            extra = GRACE_DAYS + rng.randint(5, 60) if revived and index == len(phases) - 1 else 0
            done = max(cursor, target) + dt.timedelta(days=rng.randint(1, 12) + extra)
        else:
            span = max(0, (target - cursor).days)
            done = cursor + dt.timedelta(days=rng.randint(span // 3, span))
        for criterion in phase.criteria:
            met = cursor + dt.timedelta(days=rng.randint(0, (done - cursor).days))
            met = done if criterion is phase.criteria[-1] else met
            if met <= as_of and (ended is None or met < ended) and not (recent and criterion.rule):
                checks.append(DemoCheck(criterion.key, met, criterion.rule is None))
        cursor = done
    return tuple(checks)
