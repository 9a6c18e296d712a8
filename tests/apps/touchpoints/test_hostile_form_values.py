"""The touchpoint form refuses a contact id no database can hold (10**30) with a message on the
form, never a 500 (SQLite overflows on it), and saves nothing."""

from __future__ import annotations

from django.test import Client

from kizuna.apps.touchpoints.models import Touchpoint
from tests.factories import World


def test_a_contact_id_of_10_to_the_30_is_refused_on_the_form(world: World) -> None:
    # given the CSM on the touchpoint form of their account
    client = Client()
    client.force_login(world.csm)
    data = {
        "kind": "meeting",
        "occurred_at": "2026-11-02T10:00",
        "csm": world.csm.pk,
        "contacts": str(10**30),
        "summary": "定例",
    }
    # when a contact id of 10**30 is posted
    response = client.post(f"/accounts/{world.account.pk}/touchpoints/new/", data)
    # then the form comes back with an error and nothing is saved
    assert response.status_code == 400
    assert "contacts" in response.context["form"].errors
    assert not Touchpoint.objects.exists()
