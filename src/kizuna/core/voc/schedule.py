"""Which survey invitations are due today, and which of them are skipped and why (pure).

Inputs are frozen rows (programs, schedules, accounts, contacts, lines, onboarding completion
days, touchpoints, the invitations that exist already) plus an explicit ``today`` (the company's
calendar day), ``now`` (an aware instant) and the company's time zone. Nothing here reads a
clock or a database.

When is a schedule due (``due_on``, a company calendar day)?

- ``line_start``: ``line.start_date + offset_days`` — one invitation per contract line, so an
  account with two lines has two due days (or one day with two lines: see throttling);
- ``recurring``: ``add_months(line.start_date, k × every_months) + offset_days`` for k ≥ 1
  (month ends clamp: a line from 31 January asked every month is due 28/29 February, 31 March,
  30 April — always counted from the start, never from the previous due day);
- ``onboarding_done``: ``completed_on + offset_days`` (no line);
- ``touchpoint``: the touchpoint's company day ``+ offset_days``, for touchpoints of
  ``touchpoint_kind`` (empty: any kind but ``note``); the contacts met are asked, or every
  contact of the account when none is recorded (no line).

Only due days in ``[today − catch_up_days, today]`` (both inclusive) are planned, so a missed
daily run is caught up; a (schedule, contact, line, due day) that already has an invitation is
never planned again, whatever its status.

Who is asked: the account's contacts whose role is in the program's ``contact_roles`` (all
roles when the list is empty). A planned invitation is *skipped* (kept, with a reason) when, in
this order of checks: the account is inactive (churned); the line ended on or before the due day
(``end_date`` is exclusive); the contact takes no surveys; the contact has no e-mail; the
contact was asked too recently.

Throttling: a contact asked on day ``d`` (any program; skipped invitations do not count) is
not asked again before ``d + throttle_days`` of the program now asking — with 60, a contact
asked on day 30 of a line is asked again on day 90. Candidates are decided in a fixed order
(due day, schedule, line start, line, contact), so of two lines due the same day the earlier
line's invitation is sent and the other is skipped as ``throttled``.

Quiet hours: an invitation is never skipped for the hour; its ``send_after`` is ``now``, or,
when ``now`` falls inside the program's quiet hours in company time (``quiet_start`` inclusive
to ``quiet_end`` exclusive, across midnight when start > end; none when they are equal), the
next ``quiet_end`` o'clock in company time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from kizuna.core.calendar import add_months, days_in_month, month_from_index, month_index
from kizuna.core.delivery import quiet_hours_end

TriggerName = Literal["line_start", "recurring", "onboarding_done", "touchpoint"]
SkipReasonName = Literal[
    "account_inactive", "line_ended", "contact_inactive", "no_email", "throttled"
]

#: touchpoint kinds that never trigger a survey (an internal note is not a contact)
NEVER_TRIGGERS: Final[frozenset[str]] = frozenset({"note"})


@dataclass(frozen=True, slots=True)
class ProgramRow:
    program_id: int
    contact_roles: frozenset[str] = frozenset()
    throttle_days: int = 90
    quiet_start: int = 20
    quiet_end: int = 8
    active: bool = True


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    schedule_id: int
    program_id: int
    trigger: TriggerName
    offset_days: int = 0
    every_months: int | None = None
    touchpoint_kind: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class AccountRow:
    account_id: int
    active: bool = True


@dataclass(frozen=True, slots=True)
class ContactRow:
    contact_id: int
    account_id: int
    contact_role: str
    email: str = ""
    language: str = "ja"
    active: bool = True


@dataclass(frozen=True, slots=True)
class LineRow:
    line_id: int
    account_id: int
    product_id: int | None
    start_date: date
    end_date: date | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class OnboardingDoneRow:
    account_id: int
    completed_on: date


@dataclass(frozen=True, slots=True)
class TouchpointRow:
    account_id: int
    kind: str
    day: date  # the company calendar day it happened
    contact_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class EarlierInvitation:
    """An invitation that exists already: its key is never planned again, and unless it was
    skipped it counts for the contact's throttling from ``due_on``."""

    schedule_id: int
    contact_id: int
    line_id: int | None
    due_on: date
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class PlannedInvitation:
    schedule_id: int
    program_id: int
    account_id: int
    contact_id: int
    line_id: int | None
    product_id: int | None
    due_on: date
    tenure_days: int | None
    language: str
    send_after: datetime
    skip_reason: SkipReasonName | None = None

    @property
    def key(self) -> tuple[int, int, int | None, date]:
        return (self.schedule_id, self.contact_id, self.line_id, self.due_on)


@dataclass(frozen=True, slots=True)
class DayPlan:
    """Today's invitations: ``to_send`` (in decision order) and ``skipped`` (with reasons)."""

    to_send: tuple[PlannedInvitation, ...] = ()
    skipped: tuple[PlannedInvitation, ...] = ()

    @property
    def all(self) -> tuple[PlannedInvitation, ...]:
        return self.to_send + self.skipped


@dataclass(frozen=True, slots=True)
class _Candidate:
    schedule: ScheduleRow
    account_id: int
    due_on: date
    line: LineRow | None = None
    contact_ids: tuple[int, ...] | None = None  # None: every role-matching contact


def send_after(now: datetime, *, quiet_start: int, quiet_end: int, zone: ZoneInfo) -> datetime:
    """``now`` when it is outside the quiet hours in ``zone``, else the next ``quiet_end``
    o'clock there (aware, in ``zone``). Quiet hours run from ``quiet_start`` o'clock
    (inclusive) to ``quiet_end`` o'clock (exclusive), across midnight when start > end; equal
    hours mean no quiet hours (``kizuna.core.delivery.quiet_hours_end``, as notifications).
    ``ValueError`` for a naive ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    end = quiet_hours_end(now, zone=zone, start=time(quiet_start % 24), end=time(quiet_end % 24))
    return end if end is not None else now


def _shift(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def _recurring_due(line: LineRow, schedule: ScheduleRow, day: date) -> bool:
    """Whether ``day`` is ``add_months(start, k × every_months) + offset_days`` for a k ≥ 1."""
    every = schedule.every_months
    base = _shift(day, -schedule.offset_days)
    if not every or every < 1 or base is None:
        return False
    months = month_index(base) - month_index(line.start_date)
    if months <= 0 or months % every:
        return False
    return add_months(line.start_date, months) == base


def _window(today: date, catch_up_days: int) -> list[date]:
    days = [_shift(today, -back) for back in range(max(catch_up_days, 0), -1, -1)]
    return [day for day in days if day is not None]


def _source_days(window: Sequence[date], offset: int) -> tuple[date, date] | None:
    """The days ``d`` with ``d + offset`` in the window (first and last, both inclusive), or
    None when no date is: every such ``d + offset`` is a valid date."""
    low, high = _shift(window[0], -offset), _shift(window[-1], -offset)
    if offset >= 0:
        return None if high is None else (low or date.min, high)
    return None if low is None else (low, high or date.max)


class _LinesByStart:
    """The lines by start day, so that a schedule looks up the few start days whose due day
    falls in the window instead of computing every line's due day (100,000s of lines, a
    window of a few days)."""

    def __init__(self, lines: Iterable[LineRow]) -> None:
        self.by_start: dict[date, list[LineRow]] = defaultdict(list)
        for line in lines:
            self.by_start[line.start_date].append(line)
        self.first = min(self.by_start, default=None)

    def started(self, low: date, high: date) -> Iterator[LineRow]:
        """The lines that started from ``low`` to ``high`` (both inclusive)."""
        if (high - low).days + 1 > len(self.by_start):
            for start, lines in self.by_start.items():
                if low <= start <= high:
                    yield from lines
            return
        day = low
        while True:
            yield from self.by_start.get(day, ())
            if day >= high:
                return
            day += timedelta(days=1)

    def recurring(self, base: date, every: int) -> Iterator[LineRow]:
        """The lines ``recurring_start_days`` names for ``base`` (``_recurring_due`` checks)."""
        if self.first is None:
            return
        for start in _anniversary_starts(base, every, self.first):
            yield from self.by_start.get(start, ())


def _anniversary_starts(base: date, every: int, earliest: date) -> Iterator[date]:
    """The start days, from ``earliest`` on, for which ``base`` may be
    ``add_months(start, k × every)`` with k ≥ 1: ``k × every`` months earlier on ``base``'s day
    of the month, or on a later day when ``base`` is its month's last day (the clamp)."""
    last_day = days_in_month(base) == base.day
    index = month_index(base) - every
    while index >= month_index(earliest):
        month = month_from_index(index)
        length = days_in_month(month)
        if base.day <= length:
            yield month.replace(day=base.day)
        if last_day:
            for day in range(base.day + 1, length + 1):
                yield month.replace(day=day)
        index -= every


def recurring_start_days(
    schedule: ScheduleRow, *, today: date, catch_up_days: int, earliest: date, limit: int
) -> list[date] | None:
    """The start days of the lines a ``recurring`` schedule may find due in the window (the
    database adapter reads only those lines), or None when there are more than ``limit``
    (a very old earliest start asked every month: read every line instead)."""
    every = schedule.every_months
    if not every or every < 1:
        return []
    days: list[date] = []
    for day in _window(today, catch_up_days):
        base = _shift(day, -schedule.offset_days)
        if base is None:
            continue
        for start in _anniversary_starts(base, every, earliest):
            days.append(start)
            if len(days) > limit:
                return None
    return sorted(set(days))


def _line_candidates(
    schedule: ScheduleRow, lines: _LinesByStart, window: Sequence[date]
) -> Iterator[_Candidate]:
    if schedule.trigger == "line_start":
        days = _source_days(window, schedule.offset_days)
        if days is None:
            return
        for line in lines.started(*days):
            due = line.start_date + timedelta(days=schedule.offset_days)
            yield _Candidate(schedule, line.account_id, due, line)
        return
    every = schedule.every_months
    if not every or every < 1:
        return
    for day in window:
        base = _shift(day, -schedule.offset_days)
        if base is None:
            continue
        for line in lines.recurring(base, every):
            if day > line.start_date and _recurring_due(line, schedule, day):
                yield _Candidate(schedule, line.account_id, day, line)


def _candidates(
    schedule: ScheduleRow,
    *,
    lines: _LinesByStart,
    onboardings: Sequence[OnboardingDoneRow],
    touchpoints: Sequence[TouchpointRow],
    window: Sequence[date],
) -> Iterator[_Candidate]:
    if schedule.trigger in ("line_start", "recurring"):
        yield from _line_candidates(schedule, lines, window)
        return
    days = _source_days(window, schedule.offset_days)
    if days is None:
        return
    low, high = days
    offset = timedelta(days=schedule.offset_days)
    if schedule.trigger == "onboarding_done":
        for done in onboardings:
            if low <= done.completed_on <= high:
                yield _Candidate(schedule, done.account_id, done.completed_on + offset)
    elif schedule.trigger == "touchpoint":
        for touch in touchpoints:
            if not low <= touch.day <= high or touch.kind in NEVER_TRIGGERS:
                continue
            if schedule.touchpoint_kind and touch.kind != schedule.touchpoint_kind:
                continue
            yield _Candidate(
                schedule, touch.account_id, touch.day + offset, None, touch.contact_ids or None
            )


def plan_invitations(
    *,
    programs: Iterable[ProgramRow],
    schedules: Iterable[ScheduleRow],
    accounts: Iterable[AccountRow],
    contacts: Iterable[ContactRow],
    lines: Iterable[LineRow] = (),
    onboardings: Iterable[OnboardingDoneRow] = (),
    touchpoints: Iterable[TouchpointRow] = (),
    earlier: Iterable[EarlierInvitation] = (),
    today: date,
    now: datetime,
    time_zone: str = "Asia/Tokyo",
    catch_up_days: int = 0,
) -> DayPlan:
    """Today's invitations to create (see the module's docstring for every rule).

    An account missing from ``accounts`` counts as inactive; a contact of another account than
    the one due is never asked for it; an inactive program or schedule plans nothing.

    The work is proportional to the invitations due, not to the rows: the lines are looked up
    by start day, and only the contacts and earlier invitations of the accounts due are kept.
    """
    zone = ZoneInfo(time_zone)
    window = _window(today, catch_up_days)
    program_by_id = {program.program_id: program for program in programs if program.active}
    active_schedules = [
        schedule
        for schedule in schedules
        if schedule.active and schedule.program_id in program_by_id
    ]
    if not window:
        return DayPlan()
    line_index = _LinesByStart(
        lines if any(s.trigger in ("line_start", "recurring") for s in active_schedules) else ()
    )
    onboarding_list = list(onboardings)
    touch_list = list(touchpoints)
    found: list[_Candidate] = []
    for schedule in active_schedules:
        found.extend(
            _candidates(
                schedule,
                lines=line_index,
                onboardings=onboarding_list,
                touchpoints=touch_list,
                window=window,
            )
        )
    found.sort(key=_decision_order)
    due_accounts = {candidate.account_id for candidate in found}
    active_accounts = {
        row.account_id for row in accounts if row.active and row.account_id in due_accounts
    }
    contacts_by_account: dict[int, list[ContactRow]] = defaultdict(list)
    for contact in contacts:
        if contact.account_id in due_accounts:
            contacts_by_account[contact.account_id].append(contact)
    due_contacts = {c.contact_id for rows in contacts_by_account.values() for c in rows}
    existing: set[tuple[int, int, int | None, date]] = set()
    asked: dict[int, list[date]] = defaultdict(list)
    for row in earlier:
        if row.contact_id not in due_contacts:
            continue
        existing.add((row.schedule_id, row.contact_id, row.line_id, row.due_on))
        if not row.skipped:
            asked[row.contact_id].append(row.due_on)
    return _decide(
        found,
        program_by_id=program_by_id,
        active_accounts=active_accounts,
        contacts_by_account=contacts_by_account,
        existing=existing,
        asked=asked,
        now=now,
        zone=zone,
    )


def _decision_order(candidate: _Candidate) -> tuple[object, ...]:
    line = candidate.line
    return (
        candidate.due_on,
        candidate.schedule.schedule_id,
        line.start_date if line else date.min,
        line.line_id if line else 0,
        candidate.account_id,
    )


def _decide(
    found: Sequence[_Candidate],
    *,
    program_by_id: Mapping[int, ProgramRow],
    active_accounts: set[int],
    contacts_by_account: Mapping[int, Sequence[ContactRow]],
    existing: set[tuple[int, int, int | None, date]],
    asked: dict[int, list[date]],
    now: datetime,
    zone: ZoneInfo,
) -> DayPlan:
    to_send: list[PlannedInvitation] = []
    skipped: list[PlannedInvitation] = []
    after_by_program: dict[int, datetime] = {}
    for candidate in found:
        program = program_by_id[candidate.schedule.program_id]
        after = after_by_program.get(program.program_id)
        if after is None:
            after = send_after(
                now, quiet_start=program.quiet_start, quiet_end=program.quiet_end, zone=zone
            )
            after_by_program[program.program_id] = after
        for contact in _asked_contacts(candidate, program, contacts_by_account):
            line = candidate.line
            key = (
                candidate.schedule.schedule_id,
                contact.contact_id,
                line.line_id if line else None,
                candidate.due_on,
            )
            if key in existing:
                continue
            existing.add(key)
            reason = _skip_reason(candidate, contact, program, active_accounts, asked)
            planned = PlannedInvitation(
                schedule_id=candidate.schedule.schedule_id,
                program_id=program.program_id,
                account_id=candidate.account_id,
                contact_id=contact.contact_id,
                line_id=line.line_id if line else None,
                product_id=line.product_id if line else None,
                due_on=candidate.due_on,
                tenure_days=(candidate.due_on - line.start_date).days if line else None,
                language=contact.language if contact.language in ("ja", "en") else "ja",
                send_after=after,
                skip_reason=reason,
            )
            if reason is None:
                asked[contact.contact_id].append(candidate.due_on)
                to_send.append(planned)
            else:
                skipped.append(planned)
    return DayPlan(to_send=tuple(to_send), skipped=tuple(skipped))


def _asked_contacts(
    candidate: _Candidate,
    program: ProgramRow,
    contacts_by_account: Mapping[int, Sequence[ContactRow]],
) -> list[ContactRow]:
    contacts = contacts_by_account.get(candidate.account_id, ())
    if candidate.contact_ids is not None:
        wanted = set(candidate.contact_ids)
        contacts = [contact for contact in contacts if contact.contact_id in wanted]
    roles = program.contact_roles
    chosen = [contact for contact in contacts if not roles or contact.contact_role in roles]
    return sorted(chosen, key=lambda contact: contact.contact_id)


def _skip_reason(
    candidate: _Candidate,
    contact: ContactRow,
    program: ProgramRow,
    active_accounts: set[int],
    asked: Mapping[int, list[date]],
) -> SkipReasonName | None:
    line = candidate.line
    if candidate.account_id not in active_accounts:
        return "account_inactive"
    if line is not None and line.end_date is not None and line.end_date <= candidate.due_on:
        return "line_ended"
    if not contact.active:
        return "contact_inactive"
    if not contact.email.strip():
        return "no_email"
    for day in asked.get(contact.contact_id, ()):
        if abs((candidate.due_on - day).days) < program.throttle_days:
            return "throttled"
    return None
