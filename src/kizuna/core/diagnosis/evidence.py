"""What the diagnosis reads: one small typed evidence object per rule, gathered by the app
(``kizuna.apps.diagnosis.frames``) with a few aggregate queries, and built by hand in tests.

Every figure is a count (or a ratio of two counts, computed by the rule, never here), as of one
day. A part left at its default says "no data": its counts are 0, and each rule turns a 0
denominator into "not enough data" rather than a rate of 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: how far back the touch windows look (days, ``as_of`` inclusive): 1:N reach, proactive
#: touches, playbook runs; and how long after a renewal a renewed account should be touched
WINDOW_DAYS = 90
#: an account with no touch for this many days is one whose state nobody knows
UNKNOWN_AFTER_DAYS = 180
#: a coverage snapshot older than this (days before ``as_of``) is too old to judge coverage
COVERAGE_STALE_DAYS = 7


@dataclass(frozen=True, slots=True)
class SegmentCoverage:
    """One touch model's company-wide coverage on the latest snapshot day: ``covered`` of
    ``total`` active accounts touched within its policy's period, against ``target`` (0-1);
    ``has_policy``: the segment has a coverage policy row."""

    segment: str
    has_policy: bool
    covered: int
    total: int
    target: float


@dataclass(frozen=True, slots=True)
class CoverageEvidence:
    as_of: dt.date | None = None  # the snapshot day read (None: no snapshot)
    segments: tuple[SegmentCoverage, ...] = ()


@dataclass(frozen=True, slots=True)
class MonthCompletion:
    """One target-date cohort month of onboarding completion (``core.onboarding.kpis``)."""

    month: dt.date
    cohort_size: int
    completed_on_time: int


@dataclass(frozen=True, slots=True)
class OnboardingEvidence:
    products_active: int = 0  # products sold
    products_with_template: int = 0  # of those, with a current onboarding template
    months: tuple[
        MonthCompletion, ...
    ] = ()  # the last six complete-or-current months, oldest first
    completion_target: float = 0.9
    active: int = 0  # onboardings in progress, stalled or expected churn
    csms: int = 0  # members owning the accounts of those onboardings (not pooled, not unowned)
    pooled: int = 0  # of those, on an account without an owner, served by its team (1:N)
    unowned: int = 0  # of those, on an account with neither an owner nor a team
    max_per_csm: int = 0  # the most any one of them carries


@dataclass(frozen=True, slots=True)
class RenewalEvidence:
    in_window: int = (
        0  # open renewals due in the next WINDOW_DAYS whose touch model requires a plan
    )
    with_plan: int = 0  # of those, with a closing plan
    renewed: int = 0  # renewals kept (renewed or downgraded) WINDOW_DAYS to 365 days ago
    renewed_untouched: int = 0  # of those, no touch in the WINDOW_DAYS after the renewal


@dataclass(frozen=True, slots=True)
class AccountEvidence:
    active: int = 0  # accounts with MRR > 0
    one_to_one: int = 0  # of those, of a one-to-one touch model (high and low touch)
    unknown: int = 0  # of those one-to-one, no touch in UNKNOWN_AFTER_DAYS
    owned_by_managers: int = 0  # of those, owned by a member whose role is manager
    managers_with_book: int = 0
    tech_accounts: int = 0  # active tech-touch accounts
    tech_reached: int = 0  # of those, reached by a 1:N touchpoint (webinar) in WINDOW_DAYS
    webinars: int = 0  # 1:N touchpoints logged in WINDOW_DAYS (any segment)


@dataclass(frozen=True, slots=True)
class TeamLeads:
    team: str  # the team's code (the page shows its name in the reader's language)
    csms: int  # active CSMs
    managers: int  # active managers


@dataclass(frozen=True, slots=True)
class PlanMonth:
    """One month of the capacity plan (``core.capacity``), over the teams that carry a duty:
    ``needed`` Σ of each team's CSMs needed (rounded up per team), ``headcount`` Σ of their
    CSMs today, ``hiring_need`` Σ of max(needed − headcount, 0) per team."""

    needed: int
    headcount: int
    hiring_need: int


@dataclass(frozen=True, slots=True)
class TeamEvidence:
    ops_members: int = 0  # active CS ops members (the admin role)
    teams: tuple[TeamLeads, ...] = ()
    csms: int = 0  # active CSMs owning an active account
    generalists: int = 0  # of those, owning accounts in every phase and several segments
    kinds_staffed: int = 0  # team kinds with at least one active CSM
    kinds: int = 4  # team kinds there are
    #: the capacity plan, this month (index 0) and each month after it
    plan: tuple[PlanMonth, ...] = ()


@dataclass(frozen=True, slots=True)
class MaturityEvidence:
    touches: int = 0  # human touchpoints (not notes, not 1:N) in WINDOW_DAYS
    planned: int = 0  # of those, made while a task on the account was open
    scored: int = 0  # active accounts with a health score on the latest scoring day
    score_models: int = 0  # published health score models
    playbooks_active: int = 0
    playbook_runs: int = 0  # runs started in WINDOW_DAYS
    rules_enabled: int = 0
    firings_judged: int = 0  # firings old enough for their precision to be known (180 days)
    tasks_done: int = 0  # rule and playbook tasks completed in the last 180 days
    tasks_with_outcome: int = 0  # of those, with an outcome recorded


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything the rules read, as of ``as_of``."""

    as_of: dt.date
    coverage: CoverageEvidence = field(default_factory=CoverageEvidence)
    onboarding: OnboardingEvidence = field(default_factory=OnboardingEvidence)
    renewals: RenewalEvidence = field(default_factory=RenewalEvidence)
    accounts: AccountEvidence = field(default_factory=AccountEvidence)
    team: TeamEvidence = field(default_factory=TeamEvidence)
    maturity: MaturityEvidence = field(default_factory=MaturityEvidence)
