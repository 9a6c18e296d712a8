"""Logged contacts with customers over the 30 months before as_of (the coverage trend
shows 24 month-ends, each looking back up to 6 months).

High touch: a meeting, on-site visit or call every three to five weeks by the owner CSM.
Low touch: a call, e-mail or online meeting every one to three months; during its first 90 days
a corporate account is worked by the onboarding team, then by its adoption owner.
Tech touch: monthly 1:N webinars hosted by enablement (second Thursday, 15:00 JST); each tech
account attends some of them. Churned accounts were last worked by adoption and get a churn
interview just before their end. All touchpoints fall on weekdays strictly before as_of.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

from kizuna.core.calendar import local_day, month_starts
from kizuna.core.touchpoints import TouchKind
from kizuna.demo.catalog import CORPORATE_ADOPTION, CORPORATE_ONBOARDING, ENABLEMENT, csms_of
from kizuna.demo.history import next_anniversary
from kizuna.demo.touch_text import CHURN_INTERVIEW, SUMMARIES, WEBINAR_TITLES
from kizuna.demo.types import DemoTouchpoint

JST: Final = timezone(timedelta(hours=9), "JST")
WINDOW: Final = timedelta(days=920)
STAGE_DAYS: Final = 90  # onboarding lasts 90 days; renewal talks start 90 days ahead

# segment → (min gap days, max gap days, kinds, kind weights)
_CADENCE: Final[dict[str, tuple[int, int, tuple[TouchKind, ...], tuple[int, ...]]]] = {
    "high": (18, 38, ("meeting", "onsite", "call", "email"), (60, 15, 15, 10)),
    "low": (30, 95, ("call", "email", "meeting"), (40, 35, 25)),
    "churned": (45, 120, ("call", "email"), (50, 50)),
}
_WEBINAR_SHARE: Final = {"tech": 0.25, "low": 0.06, "high": 0.04}


@dataclass(frozen=True)
class TouchTarget:
    """What the planner needs to know of an account."""

    key: str
    ordinal: int  # position of the account, used to pick a stand-in CSM deterministically
    segment: str
    team_code: str
    owner: str | None
    first_start: date
    churned_on: date | None
    contact_emails: tuple[str, ...]


@dataclass(frozen=True)
class Webinar:
    at: datetime
    host: str
    title: str


def _second_thursday(month: date) -> date:
    first_thursday = month + timedelta(days=(3 - month.weekday()) % 7)
    return first_thursday + timedelta(days=7)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST).astimezone(UTC)


def webinar_schedule(rng: random.Random, as_of: date) -> list[Webinar]:
    """One webinar a month in the window, hosts taking turns."""
    hosts = csms_of(ENABLEMENT)
    webinars: list[Webinar] = []
    for month in month_starts(as_of - WINDOW, as_of):
        day = _second_thursday(month)
        if as_of - WINDOW <= day < as_of:
            host = hosts[len(webinars) % len(hosts)]
            webinars.append(Webinar(_at(day, 15, 0), host, rng.choice(WEBINAR_TITLES)))
    return webinars


def _stage(target: TouchTarget, day: date) -> str:
    if (day - target.first_start).days < STAGE_DAYS:
        return "onboarding"
    if (next_anniversary(target.first_start, day) - day).days <= STAGE_DAYS:
        return "renewal"
    return "adoption"


def _pick(team_code: str, ordinal: int) -> str:
    csms = csms_of(team_code)
    return csms[ordinal % len(csms)]


def _csm_for(target: TouchTarget, stage: str) -> str:
    if stage == "onboarding" and target.team_code == CORPORATE_ADOPTION:
        return _pick(CORPORATE_ONBOARDING, target.ordinal)
    if target.owner is not None:
        return target.owner
    if target.churned_on is not None:
        return _pick(CORPORATE_ADOPTION, target.ordinal)
    return _pick(ENABLEMENT, target.ordinal)


class TouchpointPlanner:
    """Draws the touchpoints of one account after another from one random stream."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        self._rng = rng
        self._as_of = as_of
        self._webinars = webinar_schedule(rng, as_of)

    def for_account(self, target: TouchTarget) -> list[DemoTouchpoint]:
        """The account's touchpoints in the window while it was a customer, oldest first."""
        start = max(self._as_of - WINDOW, target.first_start)
        end = target.churned_on or self._as_of
        if start >= end:
            return []
        touches = self._cadence(target, start, end) + self._attend_webinars(target, start, end)
        if target.churned_on is not None:
            touches.extend(self._churn_interview(target, start, end))
        return sorted(touches, key=lambda t: (t.occurred_at, t.kind, t.summary))

    def _contacts(self, target: TouchTarget, most: int) -> tuple[str, ...]:
        emails = target.contact_emails
        count = min(len(emails), self._rng.randint(1, most))
        return tuple(self._rng.sample(emails, count))

    def _cadence(self, target: TouchTarget, start: date, end: date) -> list[DemoTouchpoint]:
        mode = "churned" if target.churned_on is not None else target.segment
        if mode not in _CADENCE:
            return []
        low, high, kinds, weights = _CADENCE[mode]
        rng = self._rng
        touches = []
        day = start + timedelta(days=rng.randint(1, low))
        while day < end:
            if day.weekday() >= 5:
                day += timedelta(days=7 - day.weekday())
                continue
            kind = rng.choices(kinds, weights=weights)[0]
            stage = _stage(target, day)
            touches.append(
                DemoTouchpoint(
                    account_key=target.key,
                    csm_username=_csm_for(target, stage),
                    kind=kind,
                    occurred_at=_at(day, rng.randint(10, 17), rng.choice((0, 30))),
                    summary=rng.choice(SUMMARIES[stage][kind]),
                    contact_emails=self._contacts(
                        target, 3 if kind in ("meeting", "onsite") else 1
                    ),
                )
            )
            day += timedelta(days=rng.randint(low, high))
        return touches

    def _attend_webinars(self, target: TouchTarget, start: date, end: date) -> list[DemoTouchpoint]:
        share = _WEBINAR_SHARE.get(target.segment, 0.0) if target.churned_on is None else 0.0
        touches = []
        for webinar in self._webinars:
            day = local_day(webinar.at, JST)
            if start <= day < end and self._rng.random() < share:
                touches.append(
                    DemoTouchpoint(
                        account_key=target.key,
                        csm_username=webinar.host,
                        kind="webinar",
                        occurred_at=webinar.at,
                        summary=webinar.title,
                        contact_emails=self._contacts(target, 1),
                    )
                )
        return touches

    def _churn_interview(self, target: TouchTarget, start: date, end: date) -> list[DemoTouchpoint]:
        day = end - timedelta(days=self._rng.randint(3, 14))
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        if day < start:
            return []
        return [
            DemoTouchpoint(
                account_key=target.key,
                csm_username=_csm_for(target, "adoption"),
                kind="call",
                occurred_at=_at(day, self._rng.randint(10, 17), 0),
                summary=CHURN_INTERVIEW,
                contact_emails=self._contacts(target, 2),
            )
        ]
