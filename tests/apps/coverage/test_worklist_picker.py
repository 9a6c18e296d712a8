"""The worklist's CSM picker names whose list is shown: a member outside the list of CSMs (an
admin reading their own, empty list) is the one selected, not the first CSM."""

from __future__ import annotations

import re

from django.test import Client

from tests.factories import World


def selected(body: str) -> str:
    picker = body[body.index('id="id_csm"') :]
    match = re.search(r"<option value=\"([^\"]*)\" selected>([^<]*)<", picker)
    assert match
    return match.group(2)


def test_an_admin_sees_themselves_selected_on_their_own_worklist(
    client: Client, world: World
) -> None:
    # given an admin, who owns no account and is not among the CSMs to pick
    client.force_login(world.admin)
    # when they open today's worklist
    body = client.get("/today/").content.decode()
    # then the picker shows them, not the first CSM of the list
    assert selected(body) == str(world.admin)


def test_a_manager_picking_a_csm_sees_that_csm_selected(client: Client, world: World) -> None:
    client.force_login(world.manager)
    body = client.get("/today/?csm=csm").content.decode()
    assert selected(body) == str(world.csm)
