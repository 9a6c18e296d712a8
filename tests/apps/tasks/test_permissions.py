"""Who may act on, close, comment on and reassign a task: the persona matrix. The task is the
CSM's (on the account they own); a CSM never closes another CSM's task; a viewer does nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kizuna.apps.org import access
from kizuna.apps.tasks.models import Task
from kizuna.apps.tasks.services import (
    task_complete,
    task_create,
    task_dismiss,
    task_reassign,
    task_snooze,
)
from tests.apps.tasks.conftest import TODAY
from tests.factories import UserFactory, World

#: persona → (acts on / closes, comments, reassigns, creates on the CSM's account)
MATRIX = {
    "csm": (True, True, False, True),
    "teammate": (False, True, False, False),
    "manager": (True, True, True, True),
    "outsider": (False, True, False, False),
    "viewer": (False, False, False, False),
    "admin": (True, True, True, True),
}


@pytest.fixture
def task(world: World) -> Task:
    return task_create(
        actor=world.csm, account=world.account, owner=world.csm, title="確認", due_date=TODAY
    )[0]


@pytest.mark.parametrize("persona", MATRIX)
def test_the_matrix(world: World, task: Task, persona: str) -> None:
    user = getattr(world, persona)
    acts, comments, reassigns, creates = MATRIX[persona]
    assert access.can_act_on_task(user, task) is acts
    assert access.can_comment_on_task(user, task) is comments
    assert access.can_reassign_task(user, task) is reassigns
    assert access.can_create_task(user, world.account) is creates
    assert access.task_permissions(user, task) == access.TaskPermissions(acts, comments, reassigns)


@pytest.mark.parametrize("persona", [p for p, row in MATRIX.items() if not row[0]])
def test_who_may_not_close_gets_permission_denied(world: World, task: Task, persona: str) -> None:
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        task_complete(actor=user, task=task, outcome="contacted")
    with pytest.raises(PermissionDenied):
        task_dismiss(actor=user, task=task)
    with pytest.raises(PermissionDenied):
        task_snooze(actor=user, task=task, until=TODAY.replace(day=30))
    task.refresh_from_db()
    assert task.state == "open"


def test_a_task_given_to_a_teammate_is_theirs_to_close_not_the_account_owners(
    world: World, task: Task
) -> None:
    task_reassign(actor=world.manager, task=task, owner=world.teammate)
    task.refresh_from_db()
    assert access.can_act_on_task(world.teammate, task) is True
    assert access.can_act_on_task(world.csm, task) is False
    with pytest.raises(PermissionDenied):
        task_reassign(actor=world.csm, task=task, owner=world.csm)


def test_a_manager_of_another_team_may_not_act(world: World, task: Task) -> None:
    other_manager = UserFactory(username="m2", role="manager", team=world.other_team)
    assert access.can_act_on_task(other_manager, task) is False
    assert access.can_reassign_task(other_manager, task) is False


def test_an_inactive_owner_may_not_act(world: World, task: Task) -> None:
    world.csm.is_active = False
    assert access.can_act_on_task(world.csm, task) is False
    assert access.can_own_task(world.csm) is False


def test_who_sees_the_team_view(world: World) -> None:
    seen = {p: access.can_view_team_tasks(getattr(world, p)) for p in MATRIX}
    assert seen == {
        "csm": False,
        "teammate": False,
        "manager": True,
        "outsider": False,
        "viewer": False,
        "admin": True,
    }
