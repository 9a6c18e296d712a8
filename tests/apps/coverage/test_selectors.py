"""The coverage reads the 今日 page, the API's /worklist and the drill-down share."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.apps.coverage.selectors import uncovered_scope, worklist_members, worklist_rows
from kizuna.apps.org.models import Role
from tests.factories import AccountFactory, UserFactory, World

TODAY = dt.date(2026, 11, 30)


def test_a_worklist_is_the_members_active_accounts_by_due_date(world: World) -> None:
    # given the CSM's active account, a churned one (MRR 0), and an active one of another CSM
    world.account.mrr, world.account.segment = 100_000, "high"
    world.account.save()
    AccountFactory(owner=world.csm, team=world.strategic, mrr=0, segment="high")
    world.other_account.mrr = 50_000
    world.other_account.save()

    # when the CSM's worklist is read
    rows = worklist_rows(member=world.csm, today=TODAY)

    # then only the active account they own, never touched: not covered
    assert [(account.pk, due.covered, due.last_touch) for due, account in rows] == [
        (world.account.pk, False, None)
    ]
    assert worklist_rows(member=world.admin, today=TODAY) == []


def test_the_pickable_members_are_csms_and_managers_who_own_accounts(world: World) -> None:
    # given a manager who owns two accounts, a viewer who owns one, a CSM who owns none
    AccountFactory.create_batch(2, owner=world.manager)
    AccountFactory(owner=world.viewer)
    UserFactory(username="idle", role=Role.CSM)

    # when / then: each owner once, nobody without accounts, no viewer
    assert sorted(u.username for u in worklist_members()) == ["csm", "manager", "outsider"]


@pytest.mark.parametrize(
    ("segment", "team", "csm", "expected"),
    [
        ("tech", None, None, ("tech", None, None, False, False)),
        ("vip", "abc", "-1", ("high", None, None, False, False)),
        ("low", "none", "none", ("low", None, None, True, True)),
        ("low", "999999", "999999", ("low", None, None, False, False)),
    ],
)
def test_the_drill_down_parameters_name_a_scope_or_nothing(
    world: World, segment: str, team: str | None, csm: str | None, expected: tuple[object, ...]
) -> None:
    # given / when
    scope = uncovered_scope(segment=segment, team=team, csm=csm)

    # then an unknown segment is high touch; junk ids filter nothing; "none" means without
    assert (scope.segment, scope.team, scope.csm, scope.no_team, scope.no_owner) == expected


def test_the_drill_down_scope_filters_by_team_and_csm_or_their_absence(world: World) -> None:
    # given high-touch active accounts: the CSM's in the team, one without team, one unowned
    world.account.mrr, world.account.segment = 100_000, "high"
    world.account.save()
    no_team = AccountFactory(owner=world.csm, team=None, mrr=10, segment="high")
    unowned = AccountFactory(owner=None, team=world.strategic, mrr=10, segment="high")
    AccountFactory(owner=world.csm, team=world.strategic, mrr=10, segment="low")

    def ids(team: str | None, csm: str | None) -> set[int]:
        scope = uncovered_scope(segment="high", team=team, csm=csm)
        return set(scope.accounts().values_list("pk", flat=True))

    # when / then
    assert ids(str(world.strategic.pk), str(world.csm.pk)) == {world.account.pk}
    assert ids("none", None) == {no_team.pk}
    assert ids(None, "none") == {unowned.pk}
    assert ids(None, None) == {world.account.pk, no_team.pk, unowned.pk}
