"""Logging, correcting and deleting touchpoints. Every write is audited; every date obeys
``dates.touch_day_validate`` (not after the company's today, not before 2000-01-01)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record, audited_save, model_snapshot
from kizuna.apps.customers.models import Account, Contact
from kizuna.apps.customers.services import accounts_mark_health_stale
from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.dates import touch_day_validate
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
    touchpoint = Touchpoint(account=account, csm=data.get("csm") or actor, created_by=actor)
    for name in ("kind", "occurred_at", "summary"):
        if name in data:
            setattr(touchpoint, name, data[name])
    if touchpoint.occurred_at is not None:
        touch_day_validate(touchpoint.occurred_at)
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
    """Correct a touchpoint (its author, a manager of the account's team or an admin: the
    caller checks ``can_edit_touchpoint``). A date given is checked even if unchanged, so a
    date that was never allowed has to be corrected on the next edit."""
    before = model_snapshot(touchpoint, TOUCHPOINT_FIELDS)
    if data.get("occurred_at") is not None:
        touch_day_validate(data["occurred_at"])
    for name in TOUCHPOINT_FIELDS:
        if name in data:
            setattr(touchpoint, name, data[name])
    audited_save(touchpoint, actor=actor, fields=TOUCHPOINT_FIELDS, before=before, via=via)
    if contacts is not None:
        _set_contacts(touchpoint, contacts)
    accounts_mark_health_stale(account_ids=[touchpoint.account_id])
    return touchpoint


@transaction.atomic
def touchpoint_delete(*, actor: User, touchpoint: Touchpoint, via: str = "web") -> None:
    """Delete a touchpoint (same permission as ``touchpoint_update``). The audit trail keeps
    what it said, on the account's change history: ``{field: [old, None]}``, contacts by name."""
    before = model_snapshot(touchpoint, TOUCHPOINT_FIELDS)
    names = ", ".join(contact.name for contact in touchpoint.contacts.order_by("name", "id"))
    if names:
        before["contacts"] = names
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        instance=touchpoint,
        account_id=touchpoint.account_id,
        changes={key: [value, None] for key, value in before.items()},
        via=via,
    )
    account_id = touchpoint.account_id
    touchpoint.delete()
    accounts_mark_health_stale(account_ids=[account_id])
