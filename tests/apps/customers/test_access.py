"""``customers.access.access_account``: the account a member asks for by id, 404 when there is
none (whatever the id looks like), 403 when they ask to change it and
``org.access.can_edit_account`` says no."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kizuna.apps.customers.access import access_account
from tests.factories import World

PERSONAS = ["csm", "teammate", "manager", "outsider", "viewer", "admin"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_gives_every_member_the_account_to_read(world: World, persona: str) -> None:
    # given any signed-in member
    user = getattr(world, persona)
    # when they ask for an account to read
    account = access_account(user, world.account.pk)
    # then they get it, with its owner and team read in the same query
    assert account == world.account
    assert account.owner == world.csm
    assert account.team == world.strategic


@pytest.mark.parametrize(
    ("persona", "may_write"),
    [
        ("csm", True),
        ("teammate", False),
        ("manager", True),
        ("outsider", False),
        ("viewer", False),
        ("admin", True),
    ],
)
def test_it_refuses_a_write_to_whoever_may_not_edit(
    world: World, persona: str, may_write: bool
) -> None:
    user = getattr(world, persona)
    if may_write:
        assert access_account(user, world.account.pk, write=True) == world.account
    else:
        with pytest.raises(PermissionDenied):
            access_account(user, world.account.pk, write=True)


@pytest.mark.parametrize("account_id", [0, -1, 10**12, "abc", None, "1; DROP TABLE"])
def test_it_answers_404_for_an_account_that_is_not_there(world: World, account_id: Any) -> None:
    # a missing account is 404 for a write too (never 403: nothing to refuse)
    for write in (False, True):
        with pytest.raises(Http404):
            access_account(world.admin, account_id, write=write)
