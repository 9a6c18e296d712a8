"""Recording audit events. Called by other apps' services inside their transactions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.db.bulk import bulk_insert


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    return value


def model_snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The values of ``fields`` in a JSON-friendly form; a foreign key as "name (#id)"."""
    snapshot: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_one:
            related = getattr(instance, name)
            snapshot[name] = f"{related} (#{related.pk})" if related is not None else None
        else:
            snapshot[name] = _plain(getattr(instance, getattr(field, "attname", name)))
    return snapshot


def snapshot_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }


def audit_event(
    *,
    actor: Any,
    action: AuditAction,
    instance: models.Model,
    account_id: int | None,
    changes: dict[str, Any],
    via: str = "web",
) -> AuditEvent:
    """The audit event ``audit_record`` stores, not saved yet: a service writing many changes
    at once builds them and stores them with one ``AuditEvent.objects.bulk_create``."""
    return AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        entity=instance._meta.model_name or "",
        entity_id=int(instance.pk),
        account_id=account_id,
        changes=changes,
        via=via,
    )


#: the columns of an event ``audit_insert`` stores, in the order of its rows
EVENT_COLUMNS = ("actor_id", "action", "entity", "entity_id", "account_id", "changes", "via")

#: one event as ``audit_insert`` takes it: the values of ``EVENT_COLUMNS``
EventRow = tuple[int | None, str, str, int, int | None, dict[str, Any], str]


def audit_event_row(
    *,
    actor: Any,
    action: AuditAction,
    entity: str,
    entity_id: int,
    account_id: int | None,
    changes: dict[str, Any],
    via: str,
) -> EventRow:
    """The event ``audit_event`` builds, as a plain row for ``audit_insert`` (``entity``: the
    model's name in lower case, as ``AuditEvent.entity`` stores it)."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    return (actor_id, str(action.value), entity, entity_id, account_id, changes, via)


def audit_insert(rows: list[EventRow]) -> int:
    """Store many events at once, all at the same instant, with one prepared INSERT
    (``kizuna.db.bulk_insert``): an import of 100,000 records writes 100,000 events, and
    building a model instance and the SQL text of each costs more than the INSERT itself."""
    return bulk_insert(AuditEvent, EVENT_COLUMNS, rows)


def audit_record(
    *,
    actor: Any,
    action: AuditAction,
    instance: models.Model,
    account_id: int | None,
    changes: dict[str, Any],
    via: str = "web",
) -> AuditEvent:
    event = audit_event(
        actor=actor,
        action=action,
        instance=instance,
        account_id=account_id,
        changes=changes,
        via=via,
    )
    event.save(force_insert=True)
    return event


def account_id_of(instance: models.Model) -> int | None:
    """The account an audited object belongs to: itself for an account, else its account."""
    if instance._meta.label == "customers.Account":
        return int(instance.pk)
    account_id = getattr(instance, "account_id", None)
    return int(account_id) if account_id is not None else None


def audited_save(
    instance: models.Model,
    *,
    actor: Any,
    fields: list[str],
    before: dict[str, Any] | None,
    via: str,
) -> None:
    """Validate (``full_clean``), save and record the change of ``instance`` in one step.

    ``before`` is the snapshot taken before the caller changed the instance, or None for a
    new object. Raises ``django.core.exceptions.ValidationError`` (nothing saved) on bad data.
    """
    instance.full_clean()
    instance.save()
    account_id = account_id_of(instance)
    after = model_snapshot(instance, fields)
    if before is None:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=instance,
            account_id=account_id,
            changes={key: [None, value] for key, value in after.items()},
            via=via,
        )
        return
    changes = snapshot_diff(before, after)
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=instance,
            account_id=account_id,
            changes=changes,
            via=via,
        )


def audit_login_event(
    *, action: AuditAction, username: str, ip_address: str | None, via: str = "web"
) -> AuditEvent:
    """A failed login or a lockout, next to the records of what members changed: which
    username was tried, from which address, and the member it names (if one does)."""
    username = (username or "")[:150]
    user_id = (
        get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    )
    return AuditEvent.objects.create(
        actor=None,
        action=action,
        entity="user",
        entity_id=user_id,
        account=None,
        changes={"username": username, "ip_address": ip_address},
        via=via,
    )
