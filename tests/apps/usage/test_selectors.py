"""The usage operations page's account look-up for a key mapping."""

from __future__ import annotations

from kizuna.apps.usage.selectors import account_by_key
from tests.factories import AccountFactory, World


def test_an_account_is_found_by_crm_id_first_then_by_kizuna_id(world: World) -> None:
    # given an account whose CRM ID is another account's Kizuna ID
    other = world.other_account
    digits = AccountFactory(external_crm_id=str(world.account.pk))
    AccountFactory(external_crm_id="001A000001")

    # when / then: the CRM ID wins; a number that is no CRM ID is a Kizuna ID
    assert account_by_key(str(world.account.pk)) == digits
    assert account_by_key(str(other.pk)) == other
    assert account_by_key("001A000001").external_crm_id == "001A000001"  # type: ignore[union-attr]


def test_nothing_is_found_for_an_unknown_or_hostile_key(world: World) -> None:
    # given / when / then
    for value in ("", "999999", "x' OR 1=1 --", "-1", "1.0"):
        assert account_by_key(value) is None
