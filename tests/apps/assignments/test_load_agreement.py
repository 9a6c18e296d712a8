"""The load page, the capacity plan and the auto-assignment preview read the same books with the
same definitions (issue 11, item 17): on one small world they give the same numbers."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.org.models import Role, Team, TeamKind
from tests.factories import AccountFactory, TeamFactory, UserFactory, World


def _accounts(n: int, **fields: object) -> None:
    for _ in range(n):
        AccountFactory(mrr=10_000, **fields)


def _small_world(world: World) -> Team:
    """Strategic: csm 12 high (over 10), teammate 6, the manager 2, 3 unowned → 23 accounts.
    Adoption: outsider 25 low, plus one low account csm still owns → 26.
    Onboarding: one CSM with 3 low accounts onboarding, 1 unowned → 4. Tech and inactive
    accounts count nowhere."""
    Account.objects.all().delete()
    onboarding = TeamFactory(code="onboarding", kind=TeamKind.CORPORATE_ONBOARDING)
    starter = UserFactory(username="starter", role=Role.CSM, team=onboarding)
    strategic = {"segment": "high", "team": world.strategic}
    _accounts(12, owner=world.csm, **strategic)
    _accounts(6, owner=world.teammate, **strategic)
    _accounts(2, owner=world.manager, **strategic)
    _accounts(3, owner=None, **strategic)
    AccountFactory(mrr=0, owner=world.csm, segment="high", team=world.strategic)
    _accounts(25, owner=world.outsider, segment="low", team=world.other_team, phase=Phase.ADOPTION)
    _accounts(1, owner=world.csm, segment="low", team=world.strategic, phase=Phase.ADOPTION)
    _accounts(3, owner=starter, segment="low", team=onboarding, phase=Phase.ONBOARDING)
    _accounts(1, owner=None, segment="low", phase=Phase.ONBOARDING)
    _accounts(5, owner=None, segment="tech")
    return onboarding


def test_load_page_capacity_plan_and_auto_assignment_agree(world: World) -> None:
    # given
    _small_world(world)
    client = Client()
    client.force_login(world.manager)

    # when
    load = client.get(reverse("assignments:load"), {"preview": "1"})
    capacity = client.get(reverse("assignments:capacity"))

    # then the load page: per team accounts, CSMs needed and to hire
    teams = {team.code: pool for team, pool in load.context["teams"]}
    assert {
        code: (p.headcount, p.accounts, p.needed, p.hiring_need) for code, p in teams.items()
    } == {
        "strategic": (2, 23, 3, 1),
        "adoption": (1, 26, 1, 0),
        "onboarding": (1, 4, 1, 0),
    }
    assert (teams["strategic"].over, teams["strategic"].free_places) == (1, 4)
    states = {row.user.username: row.state for row in load.context["rows"]}
    assert states == {
        "csm": "over",
        "teammate": "ok",
        "manager": "",
        "outsider": "ok",
        "starter": "under",
    }
    # the capacity plan's current month: the same CSMs needed and hiring need per team
    now = {need.team: need for need in capacity.context["plan"][0].teams}
    assert {code: (n.headcount, n.needed_ceil, n.hiring_need) for code, n in now.items()} == {
        code: (p.headcount, p.needed, p.hiring_need) for code, p in teams.items()
    }
    # the auto-assignment: places the 3 waiting high-touch accounts on the teammate's free
    # places, the low ones on their teams, and gives the same hiring need
    plan = load.context["preview"].plan
    assert plan.shortages == ()
    assert len(plan.assignments) == 5
    after = {team.code: pool for team, pool in load.context["preview_teams"]}
    assert {code: (p.accounts, p.hiring_need) for code, p in after.items()} == {
        code: (p.accounts, p.hiring_need) for code, p in teams.items()
    }
    assert 'data-hire-now="1"' in capacity.content.decode()


def test_an_understaffed_team_gets_one_answer_from_all_three(world: World) -> None:
    # given the small world and 10 more unowned high-touch accounts: 33 for 2 CSMs of max 10
    _small_world(world)
    _accounts(10, owner=None, segment="high")
    client = Client()
    client.force_login(world.admin)

    # when
    load = client.get(reverse("assignments:load"), {"preview": "1"})
    capacity = client.get(reverse("assignments:capacity"))

    # then 4 free places take 4 of the 13 waiting; 9 are short; ceil(33 / 10) = 4 needed,
    # 2 to hire = ceil((9 waiting + 2 above the norm for csm + 2 carried by the manager) / 10)
    (shortage,) = load.context["preview"].plan.shortages
    assert len(shortage.unplaced) == 9
    strategic = {t.code: p for t, p in load.context["preview_teams"]}["strategic"]
    assert (strategic.waiting, strategic.above_norm, strategic.hiring_need) == (9, 4, 2)
    before = {t.code: p for t, p in load.context["teams"]}["strategic"]
    assert (before.free_places, before.needed, before.hiring_need) == (4, 4, 2)
    now = {n.team: n for n in capacity.context["plan"][0].teams}["strategic"]
    assert (now.needed_ceil, now.hiring_need) == (4, 2)
