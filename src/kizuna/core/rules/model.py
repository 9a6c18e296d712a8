"""What a rule is, and what an evaluation is given.

A **signal** is one fact about an account on a day, produced by the app that knows it: an
onboarding stalled (``onboarding_stalled``), an onboarding expected to churn
(``onboarding_expected_churn``), setup still not done N days after kick-off
(``setup_not_done``, value = days since kick-off), a usage drop (``usage_drop``), the health
grade fell (``health_fell``, value = grades fallen) or is red (``health_red``), the account
falls out of coverage in N days (``coverage_due``, value = days left), MRR contracted
(``mrr_contraction``, value = the contraction, minor units a month), a renewal in N days
(``renewal_due``, value = days left), a renewal inside its closing-plan window without a
plan (``renewal_plan_missing``, value = days to the renewal), a closing plan's review overdue
(``plan_review_overdue``, value = days overdue), an NPS detractor (an answer of 0–6) not yet
contacted (``nps_detractor``, value = the score).

A rule's **trigger** names one kind and, for the kinds with a value, a threshold: the value
must be at least it (``setup_not_done``, ``health_fell``, ``mrr_contraction``,
``plan_review_overdue``) or at most it (``coverage_due``, ``renewal_due``,
``renewal_plan_missing``, ``nps_detractor``: a score of at most N). The **filter** narrows
the accounts (empty = any): segments, products (any of the account's), teams, health
grades, an MRR range (inclusive).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection
from dataclasses import dataclass, field


class TriggerKind(enum.StrEnum):
    ONBOARDING_STALLED = "onboarding_stalled"
    ONBOARDING_EXPECTED_CHURN = "onboarding_expected_churn"
    SETUP_NOT_DONE = "setup_not_done"
    USAGE_DROP = "usage_drop"
    HEALTH_FELL = "health_fell"
    HEALTH_RED = "health_red"
    COVERAGE_DUE = "coverage_due"
    MRR_CONTRACTION = "mrr_contraction"
    RENEWAL_DUE = "renewal_due"
    RENEWAL_PLAN_MISSING = "renewal_plan_missing"
    PLAN_REVIEW_OVERDUE = "plan_review_overdue"
    NPS_DETRACTOR = "nps_detractor"


class Compare(enum.Enum):
    NONE = "none"  # the signal has no value to compare
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


#: how each kind's value is compared with a rule's threshold
COMPARE: dict[TriggerKind, Compare] = {
    TriggerKind.ONBOARDING_STALLED: Compare.NONE,
    TriggerKind.ONBOARDING_EXPECTED_CHURN: Compare.NONE,
    TriggerKind.SETUP_NOT_DONE: Compare.AT_LEAST,
    TriggerKind.USAGE_DROP: Compare.NONE,
    TriggerKind.HEALTH_FELL: Compare.AT_LEAST,
    TriggerKind.HEALTH_RED: Compare.NONE,
    TriggerKind.COVERAGE_DUE: Compare.AT_MOST,
    TriggerKind.MRR_CONTRACTION: Compare.AT_LEAST,
    TriggerKind.RENEWAL_DUE: Compare.AT_MOST,
    TriggerKind.RENEWAL_PLAN_MISSING: Compare.AT_MOST,
    TriggerKind.PLAN_REVIEW_OVERDUE: Compare.AT_LEAST,
    TriggerKind.NPS_DETRACTOR: Compare.AT_MOST,
}


class Priority(enum.IntEnum):
    """Higher is more urgent; ``HIGH`` always interrupts, whatever the budget."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


class Action(enum.StrEnum):
    TASK = "task"  # open a task for the account's owner
    NOTIFY = "notify"  # tell the owner (in-app, and their channels)
    WEBHOOK = "webhook"  # send the event to the company's webhook endpoints
    PLAYBOOK = "playbook"  # start the rule's playbook on the account (the app says which)


@dataclass(frozen=True)
class Trigger:
    kind: TriggerKind
    threshold: int | None = None  # for the kinds with a value; None takes every value

    def matches(self, value: int | None) -> bool:
        compare = COMPARE[self.kind]
        if compare is Compare.NONE or self.threshold is None:
            return True
        if value is None:
            return False
        if compare is Compare.AT_LEAST:
            return value >= self.threshold
        return value <= self.threshold


@dataclass(frozen=True)
class RuleFilter:
    """Empty collections and None bounds let every account through."""

    segments: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    grades: frozenset[int] = frozenset()
    mrr_min: int | None = None
    mrr_max: int | None = None

    def admits(self, account: AccountFacts) -> bool:
        if self.segments and account.segment not in self.segments:
            return False
        if self.products and not (self.products & account.products):
            return False
        if self.teams and account.team not in self.teams:
            return False
        if self.grades and account.grade not in self.grades:
            return False
        if self.mrr_min is not None and account.mrr < self.mrr_min:
            return False
        return self.mrr_max is None or account.mrr <= self.mrr_max


@dataclass(frozen=True)
class Rule:
    id: int
    trigger: Trigger
    filter: RuleFilter = RuleFilter()
    actions: frozenset[Action] = frozenset({Action.TASK, Action.NOTIFY})
    priority: Priority = Priority.MEDIUM
    cooldown_days: int = 14  # after firing on an account, quiet on it this many days
    version: int = 1


@dataclass(frozen=True)
class AccountFacts:
    """What a filter reads of an account, and whom its tasks and alerts go to."""

    account_id: int
    owner_id: int | None
    segment: str = ""
    team: str = ""
    products: frozenset[str] = frozenset()
    grade: int | None = None
    mrr: int = 0


@dataclass(frozen=True)
class Signal:
    account_id: int
    day: dt.date
    kind: TriggerKind
    value: int | None = None
    #: what the task shows as its reason's evidence (a chart, the onboarding, the usage page)
    evidence: str = ""


def dedup_key(rule_id: int, account_id: int) -> str:
    """The key of a rule's task on an account: at most one open at a time."""
    return f"rule:{rule_id}:account:{account_id}"


@dataclass(frozen=True)
class State:
    """What earlier evaluations left: the last day each (rule, account) fired, the dedup keys
    of the tasks still open or snoozed, the interruptions each owner had this week, and the
    (rule, account) pairs whose playbook (the rule's "start a playbook" action) still runs on
    the account."""

    last_fired: dict[tuple[int, int], dt.date] = field(default_factory=dict)
    open_keys: Collection[str] = frozenset()
    interruptions: dict[int, int] = field(default_factory=dict)
    playbooks_running: Collection[tuple[int, int]] = frozenset()
