"""``touchpoints.access.access_touchpoint``: the touchpoint a member asks for by id, 404 when
there is none, 403 when they ask to correct it and ``org.access.can_edit_touchpoint`` says no
(its author, a manager of the account's team, admins)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kizuna.apps.touchpoints.access import access_touchpoint
from kizuna.apps.touchpoints.models import Touchpoint
from tests.factories import TouchpointFactory, World


@pytest.fixture
def logged(world: World) -> Touchpoint:
    touchpoint: Touchpoint = TouchpointFactory(
        account=world.account, csm=world.csm, created_by=world.teammate
    )
    return touchpoint


@pytest.mark.parametrize("persona", ["csm", "teammate", "manager", "outsider", "viewer", "admin"])
def test_it_gives_every_member_the_touchpoint_to_read(
    world: World, logged: Touchpoint, persona: str
) -> None:
    found = access_touchpoint(getattr(world, persona), logged.pk)
    assert found == logged
    assert (found.account, found.account.owner, found.csm) == (world.account, world.csm, world.csm)


@pytest.mark.parametrize(
    ("persona", "may_write"),
    [
        ("teammate", True),  # its author
        ("csm", False),  # owning the account alone is not enough
        ("manager", True),
        ("outsider", False),
        ("viewer", False),
        ("admin", True),
    ],
)
def test_it_refuses_a_correction_to_whoever_may_not_edit(
    world: World, logged: Touchpoint, persona: str, may_write: bool
) -> None:
    user = getattr(world, persona)
    if may_write:
        assert access_touchpoint(user, logged.pk, write=True) == logged
    else:
        with pytest.raises(PermissionDenied):
            access_touchpoint(user, logged.pk, write=True)


@pytest.mark.parametrize("touchpoint_id", [0, 10**12, "x", None])
def test_it_answers_404_for_a_touchpoint_that_is_not_there(
    world: World, touchpoint_id: Any
) -> None:
    for write in (False, True):
        with pytest.raises(Http404):
            access_touchpoint(world.admin, touchpoint_id, write=write)
