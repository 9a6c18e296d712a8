"""Writing churn reasons and their taxonomy. Each write is one transaction, keyword-only and
audited (the audit trail is the reason's history).

A member (``actor``) is checked against ``kizuna.apps.org.access`` (``PermissionDenied``); a
wrong value raises ``ValidationError`` keyed by field, in the member's language. A reason is
recorded only for a churn event the lines show (``detection.events_of_account``): its day,
line and lost MRR come from the lines, never from the member.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.churnreasons.detection import events_of_account, task_dedup_key
from kizuna.apps.churnreasons.models import NOTE_MAX, ChurnLoss, ChurnReason, ChurnReasonCategory
from kizuna.apps.customers.models import Account, Product, SubscriptionLine
from kizuna.apps.org.access import can_edit_churn_taxonomy, can_record_churn_reason
from kizuna.apps.org.models import User
from kizuna.apps.tasks.models import ACTIVE_STATES, Task, TaskOutcome
from kizuna.apps.tasks.services import task_complete
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.churn_reasons import DEFAULT_CATEGORIES

#: the code of the error a second reason for one churn event raises
DUPLICATE = "duplicate"


def _error(field: str, message: str, code: str) -> ValidationError:
    """A refusal keyed by ``field`` whose code a caller (the API) can read."""
    return ValidationError({field: ValidationError(message, code=code)})


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _clean_note(note: str) -> str:
    if "\x00" in note:
        raise _error("note", _("Null characters are not allowed."), "null_characters_not_allowed")
    note = note.strip()
    if len(note) > NOTE_MAX:
        message = _("Keep the note to %(max)s characters.") % {"max": f"{NOTE_MAX:,}"}
        raise _error("note", message, "too_long")
    return note


def _check_category(category: ChurnReasonCategory | None) -> ChurnReasonCategory:
    if category is None or not category.active:
        raise _error("category", _("Choose a reason."), "invalid")
    return category


def _no_event() -> ValidationError:
    return _error("churned_on", _("The subscription lines show no churn on this day."), "no_event")


@transaction.atomic
def churn_reason_record(
    *,
    actor: User,
    account: Account,
    churned_on: dt.date,
    category: ChurnReasonCategory | None,
    line: SubscriptionLine | None = None,
    note: str = "",
    via: str = "web",
) -> ChurnReason:
    """Record why ``account`` churned on ``churned_on`` (``line`` None) or why ``line`` was
    cancelled then: whoever may edit the account (``can_record_churn_reason``). Refused when
    the lines show no such event up to today (``no_event``: a line of another account, a day
    ahead), and when the event has a reason already (``duplicate``: edit it instead)."""
    _require(can_record_churn_reason(actor, account))
    if line is not None and line.account_id != account.pk:
        raise ValidationError({"line": _("This line belongs to another account.")}, code="invalid")
    note, category = _clean_note(note), _check_category(category)
    today = tenant_today()
    event = events_of_account(account.pk, today=today).get(
        (account.pk, line.pk if line else None, churned_on)
    )
    if event is None:
        raise _no_event()
    reason = (
        ChurnReason.objects.select_for_update()
        .filter(account=account, line=line, churned_on=churned_on)
        .first()
    )
    if reason is not None and not reason.is_missing:
        raise _duplicate()
    if reason is None:
        reason = _new_row(account, line, event.churned_on, event.lost_mrr, event.losses)
    reason.category, reason.note = category, note
    reason.recorded_by, reason.recorded_at = actor, timezone.now()
    reason.save(update_fields=["category", "note", "recorded_by", "recorded_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=reason,
        account_id=account.pk,
        changes={
            "category": [None, category.key],
            "note": [None, note],
            "churned_on": [None, churned_on.isoformat()],
            "line": [None, line.pk if line else None],
        },
        via=via,
    )
    _close_task(actor, reason, via)
    return reason


def _duplicate() -> ValidationError:
    message = _("This churn event has a reason already: edit it.")
    return ValidationError({"churned_on": ValidationError(message, code=DUPLICATE)})


def _new_row(
    account: Account,
    line: SubscriptionLine | None,
    churned_on: dt.date,
    lost_mrr: int,
    losses: tuple[tuple[str, int], ...],
) -> ChurnReason:
    """The row of an event older than the missing list reaches (or not detected yet)."""
    reason = ChurnReason(
        account=account,
        line=line,
        churned_on=churned_on,
        segment=account.segment,
        lost_mrr=lost_mrr,
        detected_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            reason.save(force_insert=True)
    except IntegrityError:
        raise _duplicate() from None
    products = dict(
        Product.objects.filter(code__in=[c for c, _m in losses]).values_list("code", "pk")
    )
    ChurnLoss.objects.bulk_create(
        ChurnLoss(reason=reason, product_id=products[c], mrr=m) for c, m in losses if c in products
    )
    return reason


def _close_task(actor: User, reason: ChurnReason, via: str) -> None:
    """The task that asked for this reason is done, when the recorder may close it (else its
    owner closes it)."""
    task = Task.objects.filter(dedup_key=task_dedup_key(reason.pk), state__in=ACTIVE_STATES).first()
    if task is None:
        return
    try:
        with transaction.atomic():
            task_complete(actor=actor, task=task, outcome=TaskOutcome.CHURNED_ANYWAY, via=via)
    except PermissionDenied:
        pass


@transaction.atomic
def churn_reason_update(
    *,
    actor: User,
    reason: ChurnReason,
    category: ChurnReasonCategory | None = None,
    note: str | None = None,
    via: str = "web",
) -> ChurnReason:
    """Correct a recorded reason's category or note (None: unchanged); the earlier values stay
    in the audit trail. A missing reason is recorded, not updated."""
    reason = ChurnReason.objects.select_for_update().select_related("account").get(pk=reason.pk)
    _require(can_record_churn_reason(actor, reason.account))
    if reason.is_missing:
        raise _error("category", _("No reason is recorded for this churn yet."), "missing")
    before = {"category": reason.category.key if reason.category else None, "note": reason.note}
    if category is not None and category.pk != reason.category_id:
        reason.category = _check_category(category)
    if note is not None:
        reason.note = _clean_note(note)
    after = {"category": reason.category.key if reason.category else None, "note": reason.note}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return reason
    reason.save(update_fields=["category", "note"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=reason,
        account_id=reason.account_id,
        changes=changes,
        via=via,
    )
    return reason


# --- the taxonomy ---------------------------------------------------------------------------

CATEGORY_FIELDS = ("key", "name_ja", "name_en", "active", "order")


def churn_categories_ensure() -> int:
    """The default taxonomy (``core.churn_reasons.DEFAULT_CATEGORIES``), as the data migration
    seeds it, for a database emptied since (the demo loader calls it); a category that exists
    keeps its names as edited. How many were added."""
    added = 0
    for n, (key, name_ja, name_en) in enumerate(DEFAULT_CATEGORIES, start=1):
        _category, created = ChurnReasonCategory.objects.get_or_create(
            key=key, defaults={"name_ja": name_ja, "name_en": name_en, "order": n * 10}
        )
        added += created
    return added


def _check_names(name_ja: str, name_en: str) -> None:
    for field, value in (("name_ja", name_ja), ("name_en", name_en)):
        if "\x00" in value:
            raise ValidationError({field: _("Null characters are not allowed.")})


@transaction.atomic
def churn_category_create(
    *,
    actor: User,
    key: str,
    name_ja: str,
    name_en: str,
    order: int = 0,
    active: bool = True,
    via: str = "web",
) -> ChurnReasonCategory:
    """A new category (CS ops admins); ``key`` unique, letters, digits, - and _."""
    _require(can_edit_churn_taxonomy(actor))
    _check_names(name_ja, name_en)
    category = ChurnReasonCategory(
        key=key.strip(),
        name_ja=name_ja.strip(),
        name_en=name_en.strip(),
        order=order,
        active=active,
    )
    category.full_clean()
    category.save(force_insert=True)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=category,
        account_id=None,
        changes={f: [None, getattr(category, f)] for f in CATEGORY_FIELDS},
        via=via,
    )
    return category


@transaction.atomic
def churn_category_update(
    *,
    actor: User,
    category: ChurnReasonCategory,
    name_ja: str,
    name_en: str,
    order: int,
    active: bool,
    via: str = "web",
) -> ChurnReasonCategory:
    """Rename, reorder, retire (``active`` False: no longer offered; its reasons keep it) or
    bring back a category. Its key never changes (the API and the CSV name it)."""
    _require(can_edit_churn_taxonomy(actor))
    _check_names(name_ja, name_en)
    category = ChurnReasonCategory.objects.select_for_update().get(pk=category.pk)
    before = {f: getattr(category, f) for f in CATEGORY_FIELDS}
    category.name_ja, category.name_en = name_ja.strip(), name_en.strip()
    category.order, category.active = order, active
    category.full_clean()
    changes = {
        f: [before[f], getattr(category, f)]
        for f in CATEGORY_FIELDS
        if before[f] != getattr(category, f)
    }
    if changes:
        category.save(update_fields=["name_ja", "name_en", "order", "active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=category,
            account_id=None,
            changes=changes,
            via=via,
        )
    return category
