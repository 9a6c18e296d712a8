"""Writes to accounts, contacts and subscription lines. Every write is audited.

Callers check permissions first (``kizuna.apps.org.access``); these functions validate the
data and raise ``django.core.exceptions.ValidationError`` with a field → message dict, saving
nothing, when it is wrong.

An account's owner, team and touch model are set when it is created; after that they change
only by reassignment, auto-assignment and hand-off (``assignments``) or a segment exception or
review (``segments``), each with its reason and record. ``account_update`` refuses them.
Its lifecycle phase moves by the daily jobs (onboarding completed → adoption) and the hand-off;
``account_update`` changes it only for a manager of the account's team or an admin
(``can_change_phase``), and never takes a low-touch account out of onboarding (that is the
hand-off, with its note and the adoption team). Its parent company likewise
(``can_set_parent``), and never itself nor an account below it (``kizuna.core.groups``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.services import audited_save, model_snapshot
from kizuna.apps.customers.models import (
    Account,
    Contact,
    Phase,
    Product,
    Segment,
    SubscriptionLine,
)
from kizuna.apps.customers.selectors import account_parent_links
from kizuna.apps.customers.signals import subscription_lines_changed
from kizuna.apps.org.access import (
    can_change_phase,
    can_create_account_in_team,
    can_manage_tenant,
    can_set_parent,
    default_team_for_new_account,
)
from kizuna.apps.org.models import User
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.groups import would_cycle
from kizuna.db.bulk import bulk_update_rows

ACCOUNT_FIELDS = [
    "name",
    "kana",
    "industry",
    "employee_count",
    "channel",
    "partner_name",
    "owner",
    "team",
    "phase",
    "segment",
    "potential_acv",
    "external_crm_id",
    "parent",
]
#: set when the account is created; changed afterwards only through the reassignment and
#: segment services, never by ``account_update``
PLACEMENT_FIELDS = ("owner", "team", "segment")
ACCOUNT_EDIT_FIELDS = [name for name in ACCOUNT_FIELDS if name not in PLACEMENT_FIELDS]
CONTACT_FIELDS = ["name", "title", "email", "phone", "role"]
LINE_FIELDS = [
    "product",
    "currency",
    "billing_period",
    "billing_amount",
    "seats",
    "start_date",
    "end_date",
    "renewal_date",
    "term_months",
    "external_id",
]


def _assign(instance: models.Model, data: Mapping[str, Any], allowed: list[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: _("This field cannot be set.") for name in unknown})
    for name, value in data.items():
        setattr(instance, name, value)


@transaction.atomic
def account_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Account:
    account = Account()
    _assign(account, data, ACCOUNT_FIELDS)
    # a new account has nothing below it: any existing account may be its parent
    if account.parent_id is not None and not Account.objects.filter(pk=account.parent_id).exists():
        raise ValidationError({"parent": _("There is no account with this number.")})
    if account.team_id is None:
        account.team_id = default_team_for_new_account(actor)
    if not can_create_account_in_team(actor, account.team_id):
        raise ValidationError({"team": _("Managers can only place accounts in their own team.")})
    audited_save(account, actor=actor, fields=ACCOUNT_FIELDS, before=None, via=via)
    return account


def _placement_changes(account: Account, data: Mapping[str, Any]) -> dict[str, str]:
    """Owner, team or touch model in ``data`` that differ from the account's (the same value
    sent back unchanged is not a change)."""
    current = {"owner": account.owner_id, "team": account.team_id, "segment": account.segment}
    messages = {
        "owner": _(
            "The owner changes by reassignment (a manager of the account's team or a CS ops "
            "admin, with a reason), not by editing the account."
        ),
        "team": _(
            "The team changes with the owner, by reassignment or auto-assignment, not by "
            "editing the account."
        ),
        "segment": _(
            "The touch model changes by an exception (a manager of the account's team or a CS "
            "ops admin, with a reason and an expiry) or a segmentation review, not by editing "
            "the account."
        ),
    }
    errors = {}
    for name in PLACEMENT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        given = value.pk if isinstance(value, models.Model) else value
        if given != current[name]:
            errors[name] = messages[name]
    return errors


def _phase_change(actor: User, account: Account, data: Mapping[str, Any]) -> dict[str, str]:
    """A phase in ``data`` different from the account's that ``actor`` may not set here."""
    if "phase" not in data or data["phase"] == account.phase:
        return {}
    if account.segment == Segment.LOW and account.phase == Phase.ONBOARDING:
        return {
            "phase": _(
                "A low-touch account leaves onboarding by the hand-off to the adoption team "
                "(with a note), not by editing the account."
            )
        }
    if not can_change_phase(actor, account):
        return {
            "phase": _(
                "The phase moves by itself (onboarding completed, the hand-off); only a manager "
                "of the account's team or a CS ops admin corrects it by editing the account."
            )
        }
    return {}


def _parent_change(actor: User, account: Account, data: Mapping[str, Any]) -> dict[str, str]:
    """A parent in ``data`` different from the account's that may not be set: ``actor`` may
    not (``can_set_parent``), it does not exist, it is the account itself, or it is below the
    account in its group (the link would close a loop)."""
    if "parent" not in data:
        return {}
    value = data["parent"]
    given = value.pk if isinstance(value, models.Model) else value
    if given == account.parent_id:
        return {}
    if not can_set_parent(actor, account):
        return {
            "parent": _(
                "Only a manager of the account's team or a CS ops admin sets its parent company."
            )
        }
    if given is None:
        return {}
    if given == account.pk:
        return {"parent": _("An account cannot be its own parent company.")}
    # lock both rows (in id order), so that two edits naming each other cannot both pass: the
    # second reads the links after the first committed. Readers never trust the links anyway.
    locked = Account.objects.select_for_update().filter(pk__in=[account.pk, given]).order_by("pk")
    if given not in set(locked.values_list("pk", flat=True)):
        return {"parent": _("There is no account with this number.")}
    if would_cycle(account.pk, int(given), account_parent_links()):
        return {
            "parent": _(
                "This account is below the account being edited in its group: it cannot be "
                "its parent company (the group would go round in a circle)."
            )
        }
    return {}


@transaction.atomic
def account_update(
    *, actor: User, account: Account, data: Mapping[str, Any], via: str = "web"
) -> Account:
    """Change the account's own fields. Its owner, team and touch model are refused (a
    ``ValidationError`` naming the service to use) unless they equal the current ones; so is
    a new phase unless ``can_change_phase`` (and never out of onboarding for low touch), and
    a new parent unless ``can_set_parent`` (never itself, a missing account or one below it)."""
    errors = (
        _placement_changes(account, data)
        | _phase_change(actor, account, data)
        | _parent_change(actor, account, data)
    )
    if errors:
        raise ValidationError(errors)
    before = model_snapshot(account, ACCOUNT_FIELDS)
    editable = {name: value for name, value in data.items() if name not in PLACEMENT_FIELDS}
    _assign(account, editable, ACCOUNT_EDIT_FIELDS)
    audited_save(account, actor=actor, fields=ACCOUNT_FIELDS, before=before, via=via)
    return account


@transaction.atomic
def contact_create(
    *, actor: User, account: Account, data: Mapping[str, Any], via: str = "web"
) -> Contact:
    contact = Contact(account=account)
    _assign(contact, data, CONTACT_FIELDS)
    audited_save(contact, actor=actor, fields=CONTACT_FIELDS, before=None, via=via)
    return contact


@transaction.atomic
def contact_update(
    *, actor: User, contact: Contact, data: Mapping[str, Any], via: str = "web"
) -> Contact:
    before = model_snapshot(contact, CONTACT_FIELDS)
    _assign(contact, data, CONTACT_FIELDS)
    audited_save(
        contact,
        actor=actor,
        fields=CONTACT_FIELDS,
        before=before,
        via=via,
    )
    return contact


def _check_currency(line: SubscriptionLine) -> None:
    currency = tenant_settings_get().currency
    if not line.currency:
        line.currency = currency
    if line.currency != currency:
        raise ValidationError(
            {
                "currency": _("This company bills in %(currency)s; %(given)s is not accepted.")
                % {"currency": currency, "given": line.currency}
            }
        )


@transaction.atomic
def subscription_line_create(
    *, actor: User, account: Account, data: Mapping[str, Any], via: str = "web"
) -> SubscriptionLine:
    line = SubscriptionLine(account=account)
    _assign(line, data, LINE_FIELDS)
    _check_currency(line)
    audited_save(line, actor=actor, fields=[*LINE_FIELDS, "mrr"], before=None, via=via)
    account_refresh_mrr(account_ids=[account.pk], on=tenant_today())
    subscription_lines_changed.send(sender=SubscriptionLine, account_ids=[account.pk])
    return line


@transaction.atomic
def subscription_line_update(
    *, actor: User, line: SubscriptionLine, data: Mapping[str, Any], via: str = "web"
) -> SubscriptionLine:
    fields = [*LINE_FIELDS, "mrr"]
    before = model_snapshot(line, fields)
    was_of = line.account_id
    _assign(line, data, LINE_FIELDS)
    _check_currency(line)
    audited_save(line, actor=actor, fields=fields, before=before, via=via)
    account_refresh_mrr(account_ids=[line.account_id], on=tenant_today())
    subscription_lines_changed.send(
        sender=SubscriptionLine, account_ids=sorted({was_of, line.account_id})
    )
    return line


def account_refresh_mrr(*, account_ids: Iterable[int] | None, on: dt.date) -> int:
    """Recompute the cached ``Account.mrr`` = Σ MRR of lines active on ``on`` (start ≤ on < end).

    ``account_ids=None`` refreshes every account (the daily job). Returns how many changed.
    """
    active = Q(subscription_lines__start_date__lte=on) & (
        Q(subscription_lines__end_date__isnull=True) | Q(subscription_lines__end_date__gt=on)
    )
    scopes = [Account.objects.all()]
    if account_ids is not None:
        ids = sorted(set(account_ids))
        scopes = [
            Account.objects.filter(pk__in=ids[start : start + _IDS_PER_QUERY])
            for start in range(0, len(ids), _IDS_PER_QUERY)
        ]
    changed: list[tuple[int, int]] = []
    for accounts in scopes:
        computed = accounts.annotate(
            current=Sum("subscription_lines__mrr", filter=active)
        ).values_list("pk", "current", "mrr")
        changed += [
            (current or 0, pk) for pk, current, cached in computed if (current or 0) != cached
        ]
    bulk_update_rows(Account, ["mrr"], changed)
    return len(changed)


#: the ids one ``IN (…)`` names: an import may refresh 100,000 accounts at once
_IDS_PER_QUERY = 5000


def accounts_mark_health_stale(*, account_ids: Iterable[int]) -> int:
    """Mark accounts whose health-score inputs just changed (a touchpoint logged, edited or
    deleted; touchpoints imported): the worker's minute loop rescores them, and the account
    page rescores one it shows. Call it inside the writing transaction, so the mark and the
    change commit together. Each mark is the time of the latest change: a rescoring that read
    the data before it clears only an older mark. Returns the accounts marked."""
    ids = sorted({int(pk) for pk in account_ids})
    now = timezone.now()
    return sum(
        Account.objects.filter(pk__in=ids[start : start + _IDS_PER_QUERY]).update(
            health_stale_since=now
        )
        for start in range(0, len(ids), _IDS_PER_QUERY)
    )


# --- products (the catalogue the subscription lines sell) ---------------------------------

PRODUCT_FIELDS = ["code", "name_ja", "name_en", "is_active", "owner"]


@transaction.atomic
def product_create(*, actor: User, data: Mapping[str, Any], via: str = "web") -> Product:
    """A new product of the catalogue: CS ops admins only (PermissionDenied otherwise)."""
    if not can_manage_tenant(actor):
        raise PermissionDenied
    product = Product(**{name: data[name] for name in PRODUCT_FIELDS if name in data})
    audited_save(product, actor=actor, fields=PRODUCT_FIELDS, before=None, via=via)
    return product


@transaction.atomic
def product_update(
    *, actor: User, product: Product, data: Mapping[str, Any], via: str = "web"
) -> Product:
    """Rename a product or stop selling it (``is_active``; its lines stay): CS ops admins only.
    A product is never deleted, its lines and history refer to it."""
    if not can_manage_tenant(actor):
        raise PermissionDenied
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = model_snapshot(product, PRODUCT_FIELDS)
    _assign(product, data, PRODUCT_FIELDS)
    audited_save(product, actor=actor, fields=PRODUCT_FIELDS, before=before, via=via)
    return product
