"""The evidence read from the database: each part on constructed rows, exact counts."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.customers.models import Account
from kizuna.apps.diagnosis import frames
from kizuna.apps.onboarding.models import Onboarding, OnboardingTemplate
from kizuna.apps.org.models import Role
from kizuna.apps.renewals.models import ClosingPlan, Renewal
from kizuna.apps.tasks.models import Task, TaskOrigin, TaskState
from kizuna.core.diagnosis.evidence import SegmentCoverage
from tests.factories import AccountFactory, TouchpointFactory, UserFactory, World

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)


def at(day: dt.date, hour: int = 3) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def test_accounts_unknown_by_managers_and_tech_reach(world: World) -> None:
    # given three active accounts: world's two (high and low touch), a tech one of the manager
    for account, segment in ((world.account, "high"), (world.other_account, "low")):
        account.mrr = 100_000
        account.segment = segment
        account.save(update_fields=["mrr", "segment"])
    tech = AccountFactory(owner=world.manager, segment="tech", mrr=10_000)
    AccountFactory(owner=world.manager, segment="tech", mrr=0)  # not active: not counted
    # a meeting with world.account 100 days ago, a webinar with the tech one 10 days ago
    TouchpointFactory(account=world.account, csm=world.csm, occurred_at=at(DAY - dt.timedelta(100)))
    TouchpointFactory(
        account=tech, csm=world.csm, kind="webinar", occurred_at=at(DAY - dt.timedelta(10))
    )
    # a note is no touch
    TouchpointFactory(account=world.other_account, csm=world.csm, kind="note", occurred_at=at(DAY))
    # when
    found = frames.account_evidence(DAY)
    # then
    # the other account has only a note: unknown; the tech one is not one-to-one
    assert (found.active, found.one_to_one, found.unknown) == (3, 2, 1)
    assert (found.owned_by_managers, found.managers_with_book) == (1, 1)
    assert (found.tech_accounts, found.tech_reached, found.webinars) == (1, 1, 1)


def test_coverage_reads_the_latest_company_snapshot_day(world: World) -> None:
    for day, covered in ((DAY - dt.timedelta(days=1), 5), (DAY, 7), (DAY + dt.timedelta(1), 9)):
        CoverageSnapshot.objects.create(
            as_of=day, scope="segment", segment="high", covered=covered, total=10, target=0.9
        )
    CoverageSnapshot.objects.create(
        as_of=DAY, scope="csm", segment="high", csm=world.csm, covered=1, total=1, target=0.9
    )
    found = frames.coverage_evidence(DAY)
    assert found.as_of == DAY
    assert found.segments == (SegmentCoverage("high", True, 7, 10, 0.9),)


def test_renewals_in_the_plan_window_and_renewed_accounts_touched(world: World) -> None:
    # high touch: a closing plan is required from 90 days before the renewal (the default)
    Account.objects.update(segment="high")
    # given two renewals inside the high-touch plan window (90 days), one with a plan
    planned = Renewal.objects.create(account=world.account, date=DAY + dt.timedelta(days=30))
    ClosingPlan.objects.create(renewal=planned)
    Renewal.objects.create(account=world.other_account, date=DAY + dt.timedelta(days=90))
    Renewal.objects.create(account=world.other_account, date=DAY + dt.timedelta(days=91))
    # two renewed 120 days ago: one touched 10 days after, the other touched only 100 after
    kept_on = DAY - dt.timedelta(days=120)
    a = Renewal.objects.create(
        account=world.account, date=kept_on, outcome="renewed", stage="renewed"
    )
    b = Renewal.objects.create(
        account=world.other_account, date=kept_on, outcome="downgraded", stage="downgraded"
    )
    TouchpointFactory(account=a.account, csm=world.csm, occurred_at=at(kept_on + dt.timedelta(10)))
    TouchpointFactory(account=b.account, csm=world.csm, occurred_at=at(kept_on + dt.timedelta(100)))
    # when
    found = frames.renewal_evidence(DAY)
    # then
    assert (found.in_window, found.with_plan) == (2, 1)
    assert (found.renewed, found.renewed_untouched) == (2, 1)


def test_the_90_days_after_a_renewal_end_at_the_91st_days_midnight_utc(world: World) -> None:
    # given five accounts renewed on the same day, 200 days ago
    kept_on = DAY - dt.timedelta(days=200)
    accounts = [AccountFactory(owner=world.csm) for _ in range(5)]
    for account in accounts:
        Renewal.objects.create(account=account, date=kept_on, outcome="renewed", stage="renewed")
    last_in = dt.datetime.combine(kept_on + dt.timedelta(days=90), dt.time(23, 59), dt.UTC)
    first_out = dt.datetime.combine(kept_on + dt.timedelta(days=91), dt.time(0, 0), dt.UTC)
    on_the_day = dt.datetime.combine(kept_on, dt.time(0, 0), dt.UTC)
    # touched on the 90th day's last minute; on the 91st day at 00:00; on the renewal's own
    # midnight; only the day before it (and at 00:00 on the 91st); only by a note
    TouchpointFactory(account=accounts[0], csm=world.csm, occurred_at=last_in)
    TouchpointFactory(account=accounts[1], csm=world.csm, occurred_at=first_out)
    TouchpointFactory(account=accounts[2], csm=world.csm, occurred_at=on_the_day)
    TouchpointFactory(
        account=accounts[3], csm=world.csm, occurred_at=on_the_day - dt.timedelta(minutes=1)
    )
    TouchpointFactory(account=accounts[4], csm=world.csm, occurred_at=last_in, kind="note")
    # when
    found = frames.renewal_evidence(DAY)
    # then the first and the third count as touched, the others not
    assert (found.renewed, found.renewed_untouched) == (5, 3)


def test_renewals_at_the_calendars_end_are_read_without_error(world: World) -> None:
    # given a renewal kept on the last days the window reaches, for a day in the year 9999
    day = dt.date(9999, 12, 31)
    kept_on = day - dt.timedelta(days=100)
    Renewal.objects.create(account=world.account, date=kept_on, outcome="renewed", stage="renewed")
    TouchpointFactory(account=world.account, csm=world.csm, occurred_at=at(kept_on))
    # when / then
    found = frames.renewal_evidence(day)
    assert (found.renewed, found.renewed_untouched) == (1, 0)


def test_open_onboardings_per_owner_and_unowned(world: World) -> None:
    other = AccountFactory(owner=None)
    pooled = AccountFactory(owner=None, team=world.other_team)
    template = OnboardingTemplate.objects.create(product=world.product, version=1)
    for account, state in (
        (world.account, "in_progress"),
        (world.other_account, "stalled"),
        (other, "in_progress"),
        (pooled, "expected_churn"),
        (AccountFactory(owner=world.csm), "completed"),  # not open
    ):
        Onboarding.objects.create(
            account=account, product=world.product, template=template, started_on=DAY,
            target_on=DAY, state=state, state_since=DAY,
        )  # fmt: skip
    found = frames.onboarding_evidence(DAY)
    assert (found.active, found.csms, found.pooled, found.unowned) == (4, 2, 1, 1)
    assert found.max_per_csm == 1
    assert (found.products_active, found.products_with_template) == (1, 1)
    assert len(found.months) == 6
    assert found.months[-1].month == dt.date(2026, 11, 1)


def test_team_figures(world: World) -> None:
    # given world: strategic has csm, teammate, manager; adoption has outsider; one admin
    world.account.mrr = 1
    world.account.save(update_fields=["mrr"])
    UserFactory(username="gone", role=Role.ADMIN, is_active=False)
    found = frames.team_evidence(DAY)
    assert found.ops_members == 1
    assert sorted((t.csms, t.managers) for t in found.teams) == [(1, 0), (2, 1)]
    assert (found.csms, found.generalists, found.kinds_staffed) == (1, 0, 2)


def test_a_touch_while_a_task_is_open_is_planned(world: World) -> None:
    # given a task on world.account opened 20 days ago and closed 5 days ago
    task = Task.objects.create(
        account=world.account, owner=world.csm, title="電話", due_date=DAY,
        origin=TaskOrigin.RULE, state=TaskState.DONE, outcome="saved",
        closed_at=at(DAY - dt.timedelta(days=5)),
    )  # fmt: skip
    Task.objects.filter(pk=task.pk).update(created_at=at(DAY - dt.timedelta(days=20)))
    # touches: 10 days ago (planned), 2 days ago (after it closed), on another account
    TouchpointFactory(account=world.account, csm=world.csm, occurred_at=at(DAY - dt.timedelta(10)))
    TouchpointFactory(account=world.account, csm=world.csm, occurred_at=at(DAY - dt.timedelta(2)))
    TouchpointFactory(
        account=world.other_account, csm=world.csm, occurred_at=at(DAY - dt.timedelta(10))
    )
    # a webinar is 1:N, not counted here
    TouchpointFactory(account=world.account, csm=world.csm, kind="webinar", occurred_at=at(DAY))
    found = frames.maturity_evidence(DAY)
    assert (found.touches, found.planned) == (3, 1)
    assert (found.tasks_done, found.tasks_with_outcome) == (1, 1)


def test_a_part_that_cannot_be_read_is_left_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(day: dt.date) -> object:
        raise ValueError("bad row")

    monkeypatch.setitem(frames.PARTS, "renewals", broken)
    evidence, errors = frames.evidence_gather(DAY)
    assert errors == {"renewals": "ValueError: bad row"}
    assert evidence.renewals.in_window == 0
