"""Handing off many accounts at once (``accounts_handoff``, the onboarding job's path) gives
exactly the owners, changes and audit events of handing them off one by one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kizuna.apps.assignments.models import AssignmentChange
from kizuna.apps.assignments.services import Handoff, account_handoff, accounts_handoff
from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Account
from kizuna.apps.org.models import Role, Team, TeamKind
from tests.factories import AccountFactory, TeamFactory, UserFactory, World


def _adoption_books(world: World) -> list[Account]:
    """The adoption team with ties: outsider and "b" carry one paying account each, "c" none
    yet, "a" one that does not pay, an inactive CSM and a manager who never take hand-offs;
    then twelve low-touch accounts in onboarding, a third of them not paying (no load)."""
    adoption = world.other_team
    a = UserFactory(username="a", role=Role.CSM, team=adoption)
    b = UserFactory(username="b", role=Role.CSM, team=adoption)
    UserFactory(username="c", role=Role.CSM, team=adoption)
    UserFactory(username="gone", role=Role.CSM, team=adoption, is_active=False)
    UserFactory(username="lead", role=Role.MANAGER, team=adoption)
    Account.objects.filter(pk=world.other_account.pk).update(mrr=5, segment="low", phase="adoption")
    AccountFactory(owner=b, team=adoption, segment="low", phase="adoption", mrr=9)
    AccountFactory(owner=a, team=adoption, segment="low", phase="adoption", mrr=0)
    return [
        AccountFactory(
            owner=world.csm,
            team=world.strategic,
            segment="low",
            phase="onboarding",
            mrr=0 if i % 3 == 1 else 1000 * (i + 1),
        )
        for i in range(12)
    ]


def _written() -> dict[str, list[Any]]:
    """What a hand-off writes, without the ids and times a second run gives anew."""
    return {
        "accounts": list(
            Account.objects.order_by("pk").values_list("pk", "owner_id", "team_id", "phase")
        ),
        "changes": list(
            AssignmentChange.objects.order_by("pk").values_list(
                "account_id",
                "from_owner_id",
                "to_owner_id",
                "from_team_id",
                "to_team_id",
                "source",
                "reason",
                "by_id",
            )
        ),
        "audit": list(
            AuditEvent.objects.order_by("pk").values_list(
                "actor_id", "action", "entity", "entity_id", "account_id", "changes", "via"
            )
        ),
    }


@pytest.mark.parametrize("actor", ["admin", None])
def test_the_batch_hands_off_exactly_as_one_by_one(world: World, actor: str | None) -> None:
    # given the adoption team's books with ties and twelve accounts, in a shuffled order
    accounts = _adoption_books(world)
    order = [accounts[i] for i in (5, 0, 11, 3, 8, 1, 10, 2, 7, 4, 9, 6)]
    by = getattr(world, actor) if actor else None

    # when they are handed off one by one (the books read again before each)…
    with transaction.atomic():
        for account in order:
            account.refresh_from_db()
            account_handoff(actor=by, account=account, note=f" 引き継ぎ {account.pk} ")
        one_by_one = _written()
        transaction.set_rollback(True)
    assert not AssignmentChange.objects.exists()
    # … and at once
    for account in order:
        account.refresh_from_db()
    changes = accounts_handoff(actor=by, handoffs=[Handoff(a, f" 引き継ぎ {a.pk} ") for a in order])

    # then the same owners, changes and audit events, in the same order
    assert _written() == one_by_one
    assert [c.account_id for c in changes] == [a.pk for a in order]
    assert all(c.pk for c in changes)
    owners = {a: o for a, o, *_ in one_by_one["accounts"] if a in {x.pk for x in accounts}}
    assert len(set(owners.values())) == 4  # a, b, c and the outsider all took some
    assert {a.phase for a in Account.objects.filter(pk__in=owners)} == {"adoption"}


def test_the_batch_refuses_what_one_hand_off_refuses_and_changes_nothing(world: World) -> None:
    accounts = _adoption_books(world)
    high = AccountFactory(owner=world.csm, team=world.strategic, segment="high", mrr=1)
    notes = [Handoff(a, "引き継ぎ") for a in accounts]
    with pytest.raises(ValidationError):  # one account not low-touch in onboarding
        accounts_handoff(actor=None, handoffs=[*notes, Handoff(high, "引き継ぎ")])
    with pytest.raises(ValidationError):  # the same account twice
        accounts_handoff(actor=None, handoffs=[*notes, notes[0]])
    with pytest.raises(ValidationError):  # one empty note
        accounts_handoff(actor=None, handoffs=[*notes[1:], Handoff(accounts[0], " \n")])
    with pytest.raises(PermissionDenied):  # the outsider may edit none of them
        accounts_handoff(actor=world.outsider, handoffs=notes)
    with pytest.raises(PermissionDenied):  # a viewer edits nothing
        account_handoff(actor=world.viewer, account=accounts[0], note="引き継ぎ")
    assert accounts_handoff(actor=None, handoffs=[]) == []
    assert not AssignmentChange.objects.exists()
    assert not AuditEvent.objects.exists()
    assert set(
        Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("phase", flat=True)
    ) == {"onboarding"}


def test_the_batch_needs_an_adoption_team_and_leaves_accounts_unowned_without_csms(
    world: World,
) -> None:
    accounts = _adoption_books(world)
    Team.objects.filter(pk=world.other_team.pk).update(kind=TeamKind.STRATEGIC)
    with pytest.raises(ValidationError):
        accounts_handoff(actor=None, handoffs=[Handoff(accounts[0], "引き継ぎ")])
    # an adoption team without active CSMs: the accounts move to it without an owner
    empty = TeamFactory(code="adoption2", kind=TeamKind.CORPORATE_ADOPTION)
    changes = accounts_handoff(actor=None, handoffs=[Handoff(a, "引き継ぎ") for a in accounts[:3]])
    assert [(c.to_owner_id, c.to_team_id) for c in changes] == [(None, empty.pk)] * 3
