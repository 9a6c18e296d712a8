"""The signals the rules read, from each app's data, for a range of days; and each account's
facts for the rules' filters.

A signal is on every day its fact holds (an onboarding stalled for ten days gives ten
signals): the engine's cool-down and its one-open-task-per-rule rule keep that from making ten
tasks, and the preview's replay reads a task as open while its signal stays. Per kind:

- ``onboarding_stalled`` / ``onboarding_expected_churn``: each day an onboarding is in that
  state (its transitions, ``onboarding.OnboardingTransition``: from a transition's day to the
  next one's, exclusive);
- ``setup_not_done``: each day an onboarding is open (in progress, stalled, expected churn)
  and its setup phase (the phase marked as initial setup, else the first) is not done yet (a
  phase is done the day its last criterion was met); value = days since the hand-over;
- ``usage_drop``: each day the usage job recorded a drop (``usage.UsageDropSignal``);
- ``health_fell``: each day a score's grade is below the account's previous score's (value =
  grades fallen); ``health_red``: each day the account's latest score is red. A score read
  for the day before the range is at most ``SCORE_LOOKBACK_DAYS`` old;
- ``coverage_due``: each day an active account (MRR > 0 today) is still covered but falls
  out within ``max_days`` days (value = days left, 1 …), as the worklist counts it
  (``core.coverage.coverage_due``); an account already out of coverage is the worklist's, not
  this signal's;
- ``mrr_contraction``: each day an account's MRR (Σ of its lines active that day) is below the
  day before's and still above 0 (a fall to 0 is a churn, not a contraction); value = the
  fall, minor units a month;
- ``renewal_due``: each day an account has a line running with a renewal date within
  ``max_days`` days, or an open renewal (``renewals.Renewal``, derived from the lines' terms)
  within them (value = days to the nearest, 0 on the day itself);
- ``renewal_plan_missing`` / ``plan_review_overdue``: each day a renewal is flagged by its
  touch model's review cadence (``core.renewals.cadence.plan_flags``; value = days to the
  renewal / days the review is overdue). A past day reads the plan as existing from the day it
  was created and the reviews signed off up to that day; the plan's next review date is read
  from its last review on (before it, one cadence after the previous review);
- ``nps_detractor``: each day a detractor's follow-up (``surveys.DetractorFollowUp``: an NPS
  answer of 0–6, whatever its source) waits for its first contact: from the answer's company
  day up to the day of its first contact, its resolution or its withdrawal (a replaced answer
  no longer a detractor's), exclusive; value = the score. So a detractor answered on a
  Saturday fires on the next evaluated day, and a contacted one never fires again.

Each reads its data with a few queries over the range (not one per day), and the filter
facts (``account_facts``) are the accounts' as of one day.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import get_script_prefix, get_urlconf, reverse

from kizuna.apps.coverage.frames import (
    latest_touches_between,
    touch_window_start,
    touches_between,
)
from kizuna.apps.customers.models import Account, Phase, SubscriptionLine
from kizuna.apps.health.models import HealthScore
from kizuna.apps.onboarding.models import (
    OPEN_STATES,
    CriterionCheck,
    Onboarding,
    OnboardingCriterion,
    OnboardingPhase,
    OnboardingState,
    OnboardingTransition,
)
from kizuna.apps.renewals.models import OPEN_STAGES, PlanReview, Renewal
from kizuna.apps.renewals.selectors import cadences
from kizuna.apps.segments.frames import coverage_policies
from kizuna.apps.surveys.followups import company_day
from kizuna.apps.surveys.models import DetractorFollowUp
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.usage.models import UsageDropSignal
from kizuna.core.coverage import AccountAtDate, coverage_due, index_touches
from kizuna.core.renewals.cadence import (
    PLAN_MISSING,
    REVIEW_OVERDUE,
    plan_flags,
    review_due_on,
)
from kizuna.core.rules.model import AccountFacts, Signal, TriggerKind
from kizuna.db.rows import paused_gc, plain_rows

#: how far back a health score is read for the state before the range
SCORE_LOOKBACK_DAYS = 35
#: the "within N days" kinds give signals up to this many days ahead unless told otherwise
DEFAULT_MAX_DAYS = 120

_K = TriggerKind
_Range = tuple[dt.date, dt.date]


@paused_gc()
def signals_between(
    *,
    start: dt.date,
    end: dt.date,
    kinds: Collection[TriggerKind] | None = None,
    max_days: int = DEFAULT_MAX_DAYS,
) -> list[Signal]:
    """Every signal of ``kinds`` (all when None) on the days ``start`` … ``end`` (inclusive),
    ordered by day, kind, account. ``max_days`` bounds the "within N days" kinds."""
    if start > end:
        return []
    wanted = set(TriggerKind) if kinds is None else set(kinds)
    scores = _ScoresOnce()  # both health kinds read the same scores
    onboardings = _OnboardingsOnce()  # the three onboarding kinds read the same onboardings
    links = _Links()
    producers: dict[TriggerKind, Callable[[_Range, int, _Links], Iterable[Signal]]] = {
        _K.ONBOARDING_STALLED: _onboarding_state(
            OnboardingState.STALLED, _K.ONBOARDING_STALLED, onboardings
        ),
        _K.ONBOARDING_EXPECTED_CHURN: _onboarding_state(
            OnboardingState.EXPECTED_CHURN, _K.ONBOARDING_EXPECTED_CHURN, onboardings
        ),
        _K.SETUP_NOT_DONE: functools.partial(_setup_not_done, onboardings=onboardings),
        _K.USAGE_DROP: _usage_drops,
        _K.HEALTH_FELL: functools.partial(_health_fell, scores=scores),
        _K.HEALTH_RED: functools.partial(_health_red, scores=scores),
        _K.COVERAGE_DUE: _coverage_due,
        _K.MRR_CONTRACTION: _mrr_contraction,
        _K.RENEWAL_DUE: _renewal_due,
        _K.RENEWAL_PLAN_MISSING: functools.partial(_plan_flag, flag=PLAN_MISSING),
        _K.PLAN_REVIEW_OVERDUE: functools.partial(_plan_flag, flag=REVIEW_OVERDUE),
        _K.NPS_DETRACTOR: _nps_detractors,
    }
    found: list[Signal] = []
    for kind in TriggerKind:
        if kind in wanted:
            found += producers[kind]((start, end), max(0, max_days), links)
    found.sort(key=lambda s: (s.day, s.kind.value, s.account_id))
    return found


@paused_gc()
def account_facts(*, on: dt.date) -> dict[int, AccountFacts]:
    """What the rules' filters read of every account not churned: owner, segment, team code,
    the products of its lines running on ``on``, its latest grade (scored on or before
    ``on``), its MRR (the cached one, today's)."""
    latest = HealthScore.objects.filter(account=OuterRef("pk"), day__lte=on).order_by("-day")
    rows = (
        Account.objects.exclude(phase=Phase.CHURNED)
        .annotate(grade=Subquery(latest.values("grade")[:1]))
        .values_list("pk", "owner_id", "segment", "team__code", "grade", "mrr")
        .order_by()  # in table order: the kana order would read the rows at random
    )
    products: defaultdict[int, set[str]] = defaultdict(set)
    running = SubscriptionLine.objects.filter(_running_on(on)).order_by()
    for account_id, code in plain_rows(running.values_list("account_id", "product__code")):
        products[account_id].add(code)
    return {
        pk: AccountFacts(
            account_id=pk,
            owner_id=owner_id,
            segment=segment,
            team=team or "",
            products=frozenset(products.get(pk, ())),
            grade=grade,
            mrr=mrr,
        )
        for pk, owner_id, segment, team, grade, mrr in plain_rows(rows)
    }


def _running_on(day: dt.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day))


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    """``first`` … ``last`` inclusive (nothing when last < first)."""
    for offset in range((last - first).days + 1):
        yield first + dt.timedelta(days=offset)


def _shifted(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, held at the ends of the calendar (years 1 and 9999)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


class _Links:
    """The evidence links of one read: ``reverse`` once per view name, the URL configuration
    and script prefix looked up once (each lookup is a thread-local read, and a day of
    signals is a hundred thousand links), the id put in its place."""

    __slots__ = ("_parts", "_prefix", "_urlconf")

    def __init__(self) -> None:
        self._urlconf, self._prefix = get_urlconf(), get_script_prefix()
        self._parts: dict[str, tuple[str, str]] = {}

    def path(self, name: str, pk: int) -> str:
        """``reverse(name, args=[pk])`` for a view taking one integer."""
        parts = self._parts.get(name)
        if parts is None:
            parts = self._parts[name] = _path_parts(name, self._urlconf, self._prefix)
        return f"{parts[0]}{pk}{parts[1]}"

    def account(self, account_id: int, anchor: str) -> str:
        return self.path("customers:account_detail", account_id) + anchor


@functools.lru_cache(maxsize=32)
def _path_parts(name: str, urlconf: object, prefix: str) -> tuple[str, str]:
    marker = 9_876_543_210_123
    head, _marker, tail = reverse(name, args=[marker]).partition(str(marker))
    return head, tail


# --- onboarding ---------------------------------------------------------------------------

_Periods = dict[int, list[tuple[dt.date, dt.date | None, str]]]


def _state_periods(
    onboarding_ids: Collection[int] | QuerySet[Any] | None = None,
) -> _Periods:
    """Per onboarding, its states as (from, until exclusive or None, state), from its
    transitions in order. ``onboarding_ids``: a list, or a query of ids (no variable per
    id: SQLite bounds a statement's variables)."""
    rows = OnboardingTransition.objects.order_by("onboarding_id", "on", "id")
    if onboarding_ids is not None:
        ids = onboarding_ids if isinstance(onboarding_ids, QuerySet) else list(onboarding_ids)
        rows = rows.filter(onboarding_id__in=ids)
    periods: defaultdict[int, list[tuple[dt.date, dt.date | None, str]]] = defaultdict(list)
    for onboarding_id, on, state in rows.values_list("onboarding_id", "on", "to_state"):
        held = periods[onboarding_id]
        if held:
            since, _until, last_state = held[-1]
            held[-1] = (since, on, last_state)
        held.append((on, None, state))
    return periods


def _clip(since: dt.date, until: dt.date | None, days: _Range) -> tuple[dt.date, dt.date]:
    """The days of [since, until) inside the range (first > last when none)."""
    last = days[1] if until is None else min(days[1], _shifted(until, -1))
    return max(since, days[0]), last


@dataclass(frozen=True, slots=True)
class _OpenOnboardings:
    """The onboardings that may be open on a day of a range (``_open_in``): (id, template id,
    account id, started on) each, and their states over time (``_state_periods``)."""

    rows: list[tuple[int, int, int, dt.date]]
    periods: _Periods


class _OnboardingsOnce:
    """The open onboardings of a range and their states, read on the first call only: the
    stalled, expected-churn and setup-not-done kinds share one read."""

    def __init__(self) -> None:
        self._read: dict[_Range, _OpenOnboardings] = {}

    def __call__(self, days: _Range) -> _OpenOnboardings:
        if days not in self._read:
            ids = _open_in(days).values("pk")
            columns = ("pk", "template_id", "account_id", "started_on")
            rows = list(plain_rows(Onboarding.objects.filter(pk__in=ids).values_list(*columns)))
            periods = _state_periods(ids)
            self._read[days] = _OpenOnboardings(rows, periods)
        return self._read[days]


def _onboarding_state(
    state: str,
    kind: TriggerKind,
    onboardings: Callable[[_Range], _OpenOnboardings] | None = None,
) -> Callable[[_Range, int, _Links], Iterable[Signal]]:
    read = onboardings if onboardings is not None else _OnboardingsOnce()

    def produce(days: _Range, _max_days: int, links: _Links) -> Iterable[Signal]:
        found = read(days)
        accounts = {pk: account_id for pk, _t, account_id, _s in found.rows}
        for onboarding_id, periods in found.periods.items():
            if not any(held == state for _since, _until, held in periods):
                continue
            url = links.path("onboarding:detail", onboarding_id)
            for since, until, held in periods:
                if held != state:
                    continue
                first, last = _clip(since, until, days)
                for day in _days(first, last):
                    yield Signal(accounts[onboarding_id], day, kind, None, url)

    return produce


def _open_in(days: _Range) -> QuerySet[Onboarding]:
    """The onboardings that may be open on a day of the range: their state on its first day
    (their last transition on or before it) is open, or a transition comes after that day.
    Those closed for the whole range give no onboarding signal and are not read."""
    state_then = (
        OnboardingTransition.objects.filter(onboarding_id=OuterRef("pk"), on__lte=days[0])
        .order_by("-on", "-id")
        .values("to_state")[:1]
    )
    later = OnboardingTransition.objects.filter(on__gt=days[0]).values("onboarding_id")
    return (
        Onboarding.objects.annotate(state_then=Subquery(state_then))
        .filter(Q(state_then__in=OPEN_STATES) | Q(pk__in=later))
        .distinct()
    )


def _setup_done_on(
    onboardings: list[tuple[int, int]], ids: QuerySet[Any] | None = None
) -> dict[int, dt.date]:
    """Per onboarding (id, template id) the day its setup phase was done: the day its last
    criterion was met, when all are. ``ids``: the same onboardings as a query of ids."""
    templates = {template for _pk, template in onboardings}
    first_phase = dict(
        OnboardingPhase.objects.filter(template_id__in=templates)
        .order_by("template_id", "-order")
        .values_list("template_id", "pk")
    )  # the last write per template is its first phase
    marked = dict(
        OnboardingPhase.objects.filter(template_id__in=templates, is_setup=True)
        .order_by("template_id", "-order")
        .values_list("template_id", "pk")
    )
    phase_of = {template: marked.get(template, first_phase.get(template)) for template in templates}
    criteria: defaultdict[int, set[int]] = defaultdict(set)
    for phase_id, criterion_id in OnboardingCriterion.objects.filter(
        phase_id__in=[p for p in phase_of.values() if p is not None]
    ).values_list("phase_id", "pk"):
        criteria[phase_id].add(criterion_id)
    met: defaultdict[int, dict[int, dt.date]] = defaultdict(dict)
    wanted = ids if ids is not None else [pk for pk, _t in onboardings]
    for onboarding_id, criterion_id, met_on in CriterionCheck.objects.filter(
        onboarding_id__in=wanted
    ).values_list("onboarding_id", "criterion_id", "met_on"):
        held_on = met[onboarding_id].get(criterion_id)
        if held_on is None or met_on < held_on:
            met[onboarding_id][criterion_id] = met_on
    done: dict[int, dt.date] = {}
    for pk, template_id in onboardings:
        setup_phase = phase_of.get(template_id)
        needed = criteria.get(setup_phase, set()) if setup_phase is not None else set()
        if needed and needed <= set(met[pk]):
            done[pk] = max(met[pk][c] for c in needed)
    return done


def _setup_not_done(
    days: _Range,
    _max_days: int,
    links: _Links,
    *,
    onboardings: Callable[[_Range], _OpenOnboardings] | None = None,
) -> Iterable[Signal]:
    found = (onboardings or _OnboardingsOnce())(days)
    rows = [row for row in found.rows if row[3] <= days[1]]
    ids = _open_in(days).filter(started_on__lte=days[1]).values("pk")
    done = _setup_done_on([(pk, template) for pk, template, _a, _s in rows], ids)
    for pk, _template, account_id, started_on in rows:
        url = links.path("onboarding:detail", pk)
        for since, until, state in found.periods.get(pk, []):
            if state not in OPEN_STATES:
                continue
            first, last = _clip(since, until, days)
            if pk in done:
                last = min(last, _shifted(done[pk], -1))
            for day in _days(first, last):
                yield Signal(account_id, day, _K.SETUP_NOT_DONE, (day - started_on).days, url)


# --- usage and health ---------------------------------------------------------------------


def _usage_drops(days: _Range, _max_days: int, links: _Links) -> Iterable[Signal]:
    rows = UsageDropSignal.objects.filter(as_of__range=days).values_list("account_id", "as_of")
    for account_id, day in sorted(set(rows)):
        yield Signal(account_id, day, _K.USAGE_DROP, None, links.account(account_id, "#usage"))


_Scores = dict[int, list[tuple[dt.date, int | None, str]]]


def _scores(days: _Range) -> _Scores:
    """Per account its scores (day, grade, colour) in order: its latest in the lookback
    before the range (the state the range starts from, at most ``SCORE_LOOKBACK_DAYS`` old),
    then those of the range. The earlier ones of the lookback change no signal of the range,
    and are not read: on SQLite each account's latest is found by the (account, day) index,
    one seek per account however many scores the lookback holds (0.13 s at 100,000 accounts,
    where a ``ROW_NUMBER()`` window sorting the lookback took 0.31 s); PostgreSQL numbers the
    window's rows faster (0.16 s) than it runs 100,000 correlated seeks (0.5–1 s), so there the
    window keeps one row per account."""
    first, last = _shifted(days[0], -SCORE_LOOKBACK_DAYS), _shifted(days[0], -1)
    columns = ("account_id", "day", "grade", "rag")
    scores: defaultdict[int, list[tuple[dt.date, int | None, str]]] = defaultdict(list)
    if first <= last < days[0]:
        lookback = HealthScore.objects.filter(day__range=(first, last)).order_by()
        before: QuerySet[Any, tuple[int, dt.date, int | None, str]]
        if connection.vendor == "postgresql":
            numbered = Window(RowNumber(), partition_by=[F("account_id")], order_by=F("day").desc())
            before = lookback.annotate(n=numbered).filter(n=1).values_list(*columns)
        else:
            latest = lookback.filter(account=OuterRef("pk")).order_by("-day").values("pk")[:1]
            ids = Account.objects.order_by().annotate(latest=Subquery(latest)).values("latest")
            before = HealthScore.objects.filter(pk__in=ids).order_by().values_list(*columns)
        for account_id, day, grade, rag in plain_rows(before):
            scores[account_id].append((day, grade, rag))
    rows = HealthScore.objects.filter(day__range=days).order_by("account_id", "day")
    for account_id, day, grade, rag in plain_rows(rows.values_list(*columns)):
        scores[account_id].append((day, grade, rag))
    return scores


class _ScoresOnce:
    """``_scores`` of a range, read on the first call only."""

    def __init__(self) -> None:
        self._read: dict[_Range, _Scores] = {}

    def __call__(self, days: _Range) -> _Scores:
        if days not in self._read:
            self._read[days] = _scores(days)
        return self._read[days]


def _health_fell(
    days: _Range,
    _max_days: int,
    links: _Links,
    *,
    scores: Callable[[_Range], _Scores] = _scores,
) -> Iterable[Signal]:
    for account_id, scores_of in scores(days).items():
        for (_before, old, _c), (day, new, _rag) in pairwise(scores_of):
            if days[0] <= day and old is not None and new is not None and new < old:
                url = links.account(account_id, "#health")
                yield Signal(account_id, day, _K.HEALTH_FELL, old - new, url)


def _health_red(
    days: _Range,
    _max_days: int,
    links: _Links,
    *,
    scores: Callable[[_Range], _Scores] = _scores,
) -> Iterable[Signal]:
    for account_id, scores_of in scores(days).items():
        ends = [day for day, _g, _r in scores_of[1:]] + [None]
        for (since, _grade, rag), until in zip(scores_of, ends, strict=True):
            if rag != "red":
                continue
            first, last = _clip(since, until, days)
            for day in _days(first, last):
                yield Signal(
                    account_id, day, _K.HEALTH_RED, None, links.account(account_id, "#health")
                )


# --- coverage and revenue -----------------------------------------------------------------


def _coverage_due(days: _Range, max_days: int, links: _Links) -> Iterable[Signal]:
    rows = (
        Account.objects.filter(mrr__gt=0)
        .order_by()
        .values_list("pk", "segment", "owner_id", "team_id", "mrr")
    )
    accounts = [AccountAtDate(*row) for row in plain_rows(rows)]  # today's active accounts
    if not accounts:
        return
    policies = coverage_policies()
    try:
        first = touch_window_start(days[0], policies)
    except ValueError:  # the window would start before the year 1
        first = dt.date.min
    # the touchpoints' query reads up to the day after the last: never past the calendar
    days = (days[0], min(days[1], _shifted(dt.date.max, -1)))
    # before the range only each account's latest touch of each kind can count; in it, all
    before = (
        latest_touches_between(first, days[0] - dt.timedelta(days=1)) if first < days[0] else []
    )
    touches = index_touches(before + touches_between(days[0], days[1]))
    for day in _days(*days):
        for due in coverage_due(accounts, touches, policies, as_of=day):
            if due.days_left is not None and 0 < due.days_left <= max_days:
                url = links.account(due.account_id, "#coverage")
                yield Signal(due.account_id, day, _K.COVERAGE_DUE, due.days_left, url)


def _lines_of_changing_accounts(
    days: _Range,
) -> dict[int, list[tuple[dt.date, dt.date | None, int]]]:
    """The lines (start, end, MRR) of every account with a line starting or ending in the
    range."""
    changing = SubscriptionLine.objects.filter(
        Q(start_date__range=days) | Q(end_date__range=days)
    ).values("account_id")
    rows = (
        SubscriptionLine.objects.filter(account_id__in=changing)
        .order_by()
        .values_list("account_id", "start_date", "end_date", "mrr")
    )
    lines: defaultdict[int, list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)
    for account_id, start, end, mrr in rows:
        lines[account_id].append((start, end, mrr))
    return lines


def mrr_on(lines: Iterable[tuple[dt.date, dt.date | None, int]], day: dt.date) -> int:
    """An account's MRR on ``day`` from its lines (start, end exclusive or None, MRR): the sum
    over the lines running that day, as the account's cached MRR counts it."""
    return sum(mrr for start, end, mrr in lines if start <= day and (end is None or day < end))


def _mrr_contraction(days: _Range, _max_days: int, links: _Links) -> Iterable[Signal]:
    for account_id, lines in sorted(_lines_of_changing_accounts(days).items()):
        changes = {start for start, _e, _m in lines} | {end for _s, end, _m in lines if end}
        for day in sorted(d for d in changes if days[0] <= d <= days[1]):
            before, after = mrr_on(lines, _shifted(day, -1)), mrr_on(lines, day)
            if 0 < after < before:
                url = links.account(account_id, "#lines")
                yield Signal(account_id, day, _K.MRR_CONTRACTION, before - after, url)


def _renewal_due(days: _Range, max_days: int, links: _Links) -> Iterable[Signal]:
    last_renewal = _shifted(days[1], max_days)
    rows = (
        SubscriptionLine.objects.filter(
            renewal_date__range=(days[0], last_renewal), start_date__lte=days[1]
        )
        .order_by()
        .values_list("account_id", "start_date", "end_date", "renewal_date")
    )
    renewals: defaultdict[int, list[tuple[dt.date, dt.date | None, dt.date]]] = defaultdict(list)
    for account_id, start, end, renewal in plain_rows(rows):
        if renewal is not None:
            renewals[account_id].append((start, end, renewal))
    # the renewals derived from the lines' terms (a line imported without a renewal date);
    # each is "running" up to its date
    derived = (
        Renewal.objects.filter(
            date__range=(days[0], last_renewal), no_longer_due=False, stage__in=OPEN_STAGES
        )
        .order_by()
        .values_list("account_id", "date")
    )
    for account_id, renewal in plain_rows(derived):
        renewals[account_id].append((dt.date.min, None, renewal))
    for account_id, lines in sorted(renewals.items()):
        url = links.account(account_id, "#lines")
        for day in _days(*days):
            ahead = [
                (renewal - day).days
                for start, end, renewal in lines
                if start <= day and (end is None or day < end) and renewal >= day
            ]
            if ahead and min(ahead) <= max_days:
                yield Signal(account_id, day, _K.RENEWAL_DUE, min(ahead), url)


def _plan_flag(days: _Range, _max_days: int, links: _Links, *, flag: str) -> Iterable[Signal]:
    """Each day of the range a renewal carries ``flag`` (see the module's docstring)."""
    by_segment = cadences()
    ahead = max((c.plan_from_days for c in by_segment.values()), default=0)
    rows = list(
        Renewal.objects.filter(
            date__range=(days[0], _shifted(days[1], ahead)), no_longer_due=False
        ).values_list(
            "pk",
            "account_id",
            "date",
            "stage",
            "account__segment",
            "plan__created_at",
            "plan__next_review_on",
        )
    )
    reviews: defaultdict[int, list[dt.date]] = defaultdict(list)
    planned = [row[0] for row in rows if row[5] is not None]
    for start in range(0, len(planned), 500):
        for renewal_id, reviewed_on in PlanReview.objects.filter(
            plan__renewal_id__in=planned[start : start + 500]
        ).values_list("plan__renewal_id", "reviewed_on"):
            reviews[renewal_id].append(reviewed_on)
    kind = _K.RENEWAL_PLAN_MISSING if flag == PLAN_MISSING else _K.PLAN_REVIEW_OVERDUE
    for pk, account_id, date, stage, segment, planned_at, next_review_on in rows:
        cadence = by_segment.get(segment)
        if cadence is None:
            continue
        reviewed = sorted(reviews.get(pk, ()))
        plan_day = planned_at.date() if planned_at is not None else None
        url = links.path("renewals:detail", pk)  # the renewal, its plan and its reviews
        for day in _days(*days):
            last = max((d for d in reviewed if d <= day), default=None)
            # the plan's next review date was set at its last review (or its creation)
            current_next = next_review_on if last == (reviewed[-1] if reviewed else None) else None
            flags = plan_flags(
                today=day,
                renewal_date=date,
                is_open=stage in OPEN_STAGES or day < date,
                cadence=cadence,
                has_plan=plan_day is not None and plan_day <= day,
                next_review_on=current_next,
                last_review_on=last,
            )
            if flag not in flags:
                continue
            if flag == PLAN_MISSING:
                value = (date - day).days
            else:
                due = review_due_on(
                    renewal_date=date,
                    cadence=cadence,
                    next_review_on=current_next,
                    last_review_on=last,
                )
                value = (day - due).days
            yield Signal(account_id, day, kind, value, url)


# --- voice of the customer ----------------------------------------------------------------


def _instant(day: dt.date) -> dt.datetime:
    """Midnight UTC of ``day``, held at the ends of the calendar."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _nps_detractors(days: _Range, _max_days: int, links: _Links) -> Iterable[Signal]:
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    # a company day starts at most 14 hours before or after midnight UTC: a day each side
    first, last = _instant(_shifted(days[0], -1)), _instant(_shifted(days[1], 1))
    ended = Q(first_contact_at__gte=first) | Q(resolved_at__gte=first) | Q(withdrawn_at__gte=first)
    waiting = Q(first_contact_at__isnull=True, resolved_at__isnull=True, withdrawn_at__isnull=True)
    rows = (
        DetractorFollowUp.objects.filter(answered_at__lte=last)
        .filter(waiting | ended)
        .values_list(
            "answer_id", "account_id", "score", "answered_at", "first_contact_at", "resolved_at",
            "withdrawn_at",
        )
        .order_by("answered_at", "pk")
    )  # fmt: skip
    for answer_id, account_id, score, answered_at, *ends in rows:
        since = company_day(answered_at, zone)
        stops = [company_day(end, zone) for end in ends if end is not None]
        until = min(stops) if stops else None
        if until is not None and until <= since:
            continue
        url = links.path("surveys:answer_detail", answer_id)
        start, stop = _clip(since, until, days)
        for day in _days(start, stop):
            yield Signal(account_id, day, _K.NPS_DETRACTOR, score, url)
