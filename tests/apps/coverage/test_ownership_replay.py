"""The coverage trend of a CSM or a team counts the accounts they held at each month end: the
recorded reassignments are replayed, today's owners are not projected into the past."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.apps.assignments.models import AssignmentChange
from kizuna.apps.assignments.services import account_reassign
from kizuna.apps.coverage.frames import accounts_at, ownership_history
from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.coverage.services import coverage_snapshots_refresh
from kizuna.apps.customers.models import Account
from kizuna.apps.org.models import Team, User
from kizuna.apps.segments.services import segment_history_initialise
from tests.factories import AccountFactory, SubscriptionLineFactory, TouchpointFactory, World

JST = dt.timezone(dt.timedelta(hours=9))
TODAY = dt.date(2026, 11, 25)
AUG, SEP, OCT = dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31)


def _account(
    world: World, name: str, owner: User | None, team: Team | None, since: dt.date
) -> Account:
    account = AccountFactory(name=name, segment="high", owner=owner, team=team, mrr=100_000)
    SubscriptionLineFactory(account=account, product=world.product, start_date=since)
    return account


def _meeting(world: World, account: Account, day: dt.date) -> None:
    moment = dt.datetime.combine(day, dt.time(10), JST)
    TouchpointFactory(account=account, csm=world.csm, occurred_at=moment)


def _reassign(world: World, account: Account, owner: User, at: dt.datetime) -> None:
    change = account_reassign(actor=world.admin, account=account, owner=owner, reason="引継ぎ")
    AssignmentChange.objects.filter(pk=change.pk).update(at=at)
    account.refresh_from_db()


@pytest.fixture
def book(world: World) -> dict[str, Account]:
    """High-touch accounts (period one month) with a history of owners; csm1 = world.csm and
    csm2 = world.teammate are both in the strategic team, world.outsider in the other team."""
    Account.objects.all().delete()
    csm1, csm2, strategic = world.csm, world.teammate, world.strategic
    jan = dt.date(2026, 1, 1)
    a = _account(world, "A", csm1, strategic, jan)  # csm1 until 2026-09-15, then csm2
    b = _account(world, "B", csm1, strategic, jan)  # csm1 throughout
    c = _account(world, "C", csm1, strategic, jan)  # to the outsider's team on 2026-10-20
    d = _account(world, "D", csm1, strategic, dt.date(2026, 10, 5))  # a customer from October
    e = _account(world, "E", None, None, jan)  # unassigned, no team, until 2026-09-10
    f = _account(world, "F", csm1, strategic, jan)  # a change stamped in the future
    g = _account(world, "G", csm1, strategic, jan)  # changed 00:30 JST on 1 November
    segment_history_initialise(on=jan)
    _reassign(world, a, csm2, dt.datetime(2026, 9, 15, 10, 0, tzinfo=JST))
    _reassign(world, c, world.outsider, dt.datetime(2026, 10, 20, 10, 0, tzinfo=JST))
    _reassign(world, e, csm2, dt.datetime(2026, 9, 10, 10, 0, tzinfo=JST))
    _reassign(world, f, csm2, dt.datetime(2027, 1, 1, 10, 0, tzinfo=JST))
    _reassign(world, g, world.outsider, dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC))
    for account, day in ((a, "2026-08-20"), (a, "2026-09-20"), (b, "2026-10-10"),
                         (c, "2026-10-25"), (d, "2026-10-06"), (f, "2026-08-05")):  # fmt: skip
        _meeting(world, account, dt.date.fromisoformat(day))
    return {x.name: x for x in (a, b, c, d, e, f, g)}


def _rows(scope: str, day: dt.date) -> dict[int | None, tuple[int, int]]:
    key = "csm_id" if scope == "csm" else "team_id"
    rows = CoverageSnapshot.objects.filter(as_of=day, scope=scope, segment="high")
    return {getattr(row, key): (row.covered, row.total) for row in rows}


def test_each_month_end_counts_the_accounts_each_csm_held_that_day(
    world: World, book: dict[str, Account]
) -> None:
    # when the daily job fills the trend of the last three months
    days = coverage_snapshots_refresh(today=TODAY, months=3)

    # then (covered, total) per CSM: A is csm1's in August, csm2's from September; C leaves
    # csm1 for the outsider in October; D counts from October only; E was unassigned in
    # August; F's change is dated after today, so csm1 held F on every past month end; G
    # changed hands at 00:30 JST on 1 November, after October's end in the company's zone
    assert days == [AUG, SEP, OCT, TODAY]
    csm1, csm2, outsider = world.csm.pk, world.teammate.pk, world.outsider.pk
    assert _rows("csm", AUG) == {csm1: (2, 5), None: (0, 1)}  # A✓ B C F✓ G | E
    assert _rows("csm", SEP) == {csm1: (0, 4), csm2: (1, 2)}  # B C F G | A✓ E
    assert _rows("csm", OCT) == {csm1: (2, 4), csm2: (0, 2), outsider: (1, 1)}  # B✓ D✓ F G
    # and today's snapshot uses today's owners (F and G moved already)
    assert _rows("csm", TODAY) == {csm1: (0, 2), csm2: (0, 3), outsider: (0, 2)}


def test_each_month_end_counts_the_accounts_each_team_held_that_day(
    world: World, book: dict[str, Account]
) -> None:
    # when
    coverage_snapshots_refresh(today=TODAY, months=3)

    # then E had no team in August; C counts for the other team from October
    strategic, other = world.strategic.pk, world.other_team.pk
    assert _rows("team", AUG) == {strategic: (2, 5), None: (0, 1)}
    assert _rows("team", SEP) == {strategic: (1, 6)}
    assert _rows("team", OCT) == {strategic: (2, 6), other: (1, 1)}
    assert _rows("team", TODAY) == {strategic: (0, 5), other: (0, 2)}
    # and the company's figures do not depend on who held what
    company = {
        day: (row.covered, row.total)
        for day, row in (
            (day, CoverageSnapshot.objects.get(as_of=day, scope="segment", segment="high"))
            for day in (AUG, SEP, OCT, TODAY)
        )
    }
    assert company == {AUG: (2, 6), SEP: (1, 6), OCT: (3, 7), TODAY: (0, 7)}


def test_a_deleted_member_before_a_change_leaves_the_account_unassigned_on_those_days(
    world: World, book: dict[str, Account]
) -> None:
    # given a member who held A before 2026-09-15 and is deleted since (the record keeps null)
    departed = User.objects.create(username="departed", team=world.strategic)
    AssignmentChange.objects.filter(account=book["A"]).update(from_owner=departed)
    departed.delete()

    # when
    held = {a.account_id: (a.owner_id, a.team_id) for a in accounts_at(AUG)}

    # then
    assert held[book["A"].pk] == (None, world.strategic.pk)
    assert held[book["B"].pk] == (world.csm.pk, world.strategic.pk)


def test_the_history_is_read_in_one_query_whatever_the_number_of_days(
    world: World, book: dict[str, Account]
) -> None:
    # given more reassignments: every account changes hands once more in November
    for account in Account.objects.exclude(owner=world.teammate):
        _reassign(world, account, world.teammate, dt.datetime(2026, 11, 20, 9, 0, tzinfo=JST))

    # when the trend of twelve months is filled
    with CaptureQueriesContext(connection) as queries:
        coverage_snapshots_refresh(today=TODAY, months=12)

    # then the assignment changes were read once, not per day or per account
    table = AssignmentChange._meta.db_table
    reads = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    assert len(reads) == 1


def test_a_history_only_holds_changes_after_its_day(world: World, book: dict[str, Account]) -> None:
    # given / when
    since_october = ownership_history(since=OCT, today=TODAY)
    since_august = ownership_history(since=AUG, today=TODAY)

    # then G (1 November local) and F (future) are after October's end; A, C, E too after August's
    assert len(since_october) == 2
    assert len(since_august) == 5
