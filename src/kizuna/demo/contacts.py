"""People at each customer: one to four contacts, more at larger companies."""

from __future__ import annotations

import random
from typing import Final

from kizuna.demo.names import draw_person
from kizuna.demo.types import DemoContact

# The first contacts always cover these roles, in this order; extra ones are users or billing.
_ROLE_ORDER: Final = ("admin", "decision_maker", "champion")
_EXTRA_ROLES: Final = ("user", "billing")


def _contact_count(rng: random.Random, employee_count: int) -> int:
    if employee_count < 50:
        return rng.randint(1, 2)
    if employee_count < 300:
        return rng.randint(1, 3)
    return rng.randint(2, 4)


def draw_contacts(
    rng: random.Random, *, account_key: str, domain: str, employee_count: int
) -> list[DemoContact]:
    """Contacts of one account; e-mail addresses are unique within the account."""
    contacts: list[DemoContact] = []
    used: set[str] = set()
    for position in range(_contact_count(rng, employee_count)):
        person = draw_person(rng)
        local = f"{person.family_romaji}.{person.given_romaji}"
        suffix = 1
        while f"{local}@{domain}" in used:
            suffix += 1
            local = f"{person.family_romaji}.{person.given_romaji}{suffix}"
        email = f"{local}@{domain}"
        used.add(email)
        role = _ROLE_ORDER[position] if position < len(_ROLE_ORDER) else rng.choice(_EXTRA_ROLES)
        contacts.append(
            DemoContact(account_key=account_key, name=person.full_name, email=email, role=role)
        )
    return contacts
