"""Logging touchpoints. Every write is audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.apps.audit.services import audited_save, model_snapshot
from kizuna.apps.customers.models import Account, Contact
from kizuna.apps.customers.services import accounts_mark_health_stale
from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.models import Touchpoint

TOUCHPOINT_FIELDS = ["csm", "kind", "occurred_at", "summary"]


def _set_contacts(touchpoint: Touchpoint, contacts: Sequence[Contact]) -> None:
    foreign = [c for c in contacts if c.account_id != touchpoint.account_id]
    if foreign:
        raise ValidationError({"contacts": _("Contacts must belong to this account.")})
    touchpoint.contacts.set(contacts)


@transaction.atomic
def touchpoint_create(
    *,
    actor: User,
    account: Account,
    data: Mapping[str, Any],
    contacts: Sequence[Contact] = (),
    via: str = "web",
) -> Touchpoint:
    touchpoint = Touchpoint(account=account, csm=data.get("csm") or actor)
    for name in ("kind", "occurred_at", "summary"):
        if name in data:
            setattr(touchpoint, name, data[name])
    audited_save(touchpoint, actor=actor, fields=TOUCHPOINT_FIELDS, before=None, via=via)
    _set_contacts(touchpoint, contacts)
    accounts_mark_health_stale(account_ids=[account.pk])
    return touchpoint


@transaction.atomic
def touchpoint_update(
    *,
    actor: User,
    touchpoint: Touchpoint,
    data: Mapping[str, Any],
    contacts: Sequence[Contact] | None = None,
    via: str = "web",
) -> Touchpoint:
    before = model_snapshot(touchpoint, TOUCHPOINT_FIELDS)
    for name in TOUCHPOINT_FIELDS:
        if name in data:
            setattr(touchpoint, name, data[name])
    audited_save(touchpoint, actor=actor, fields=TOUCHPOINT_FIELDS, before=before, via=via)
    if contacts is not None:
        _set_contacts(touchpoint, contacts)
    return touchpoint
