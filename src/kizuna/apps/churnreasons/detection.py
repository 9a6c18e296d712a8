"""Finding churn events in the subscription lines and keeping the "reason missing" rows in
step with them (``core.churn_reasons.churn_events``).

``churn_events_refresh`` is the one writer of derived fields: it creates a row without a
category for each event of the last ``ASK_WITHIN_DAYS`` days that has none, refreshes every
row's lost MRR and its split by product from the lines, and deletes a row still without a
reason whose event is gone (a cancellation taken back, a renewal line entered late). A
recorded reason is never deleted by it. Run again, it writes nothing (idempotent). It runs
every day (``tasks.py``) and whenever lines change (``receivers.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kizuna.apps.churnreasons.models import ChurnLoss, ChurnReason
from kizuna.apps.customers.models import Account, Product, SubscriptionLine
from kizuna.apps.org.access import rule_task_owner
from kizuna.apps.tasks.messages import message_of, message_render
from kizuna.apps.tasks.services import due_in_business_days, task_create
from kizuna.core import churn_reasons as core

logger = logging.getLogger("kizuna.churnreasons")

#: a task asking for the reason is opened only for events this recent (days); older ones are
#: listed as missing without a task (a first run over years of history opens none for them)
TASK_WITHIN_DAYS = 30
#: the task is due this many business days after it opens
TASK_DUE_BUSINESS_DAYS = 5
#: what the task's reason says, kept un-translated (``tasks.messages``)
TASK_REASON = gettext_noop(
    "The account churned or a line was cancelled on %(day)s (lost MRR %(mrr)s): record why."
)

type Key = tuple[int, int | None, dt.date]


def task_dedup_key(reason_id: int) -> str:
    return f"churnreasons:{reason_id}"


def core_lines(account_ids: Iterable[int] | None) -> list[core.Line]:
    """The lines of ``account_ids`` (every line when None) as the core reads them; one query."""
    lines = SubscriptionLine.objects.all()
    if account_ids is not None:
        lines = lines.filter(account_id__in=sorted(set(account_ids)))
    rows = lines.values_list("pk", "account_id", "product__code", "start_date", "end_date", "mrr")
    return [core.Line(*row) for row in rows.iterator(chunk_size=10_000)]


def events_of_account(account_id: int, *, today: dt.date) -> dict[Key, core.Event]:
    """One account's churn events up to ``today``, by (account, line, day)."""
    events = core.churn_events(core_lines([account_id]), as_of=today)
    return {e.key: e for e in events}


def _losses_of(rows: Iterable[ChurnReason]) -> dict[int, tuple[tuple[str, int], ...]]:
    per: dict[int, list[tuple[str, int]]] = {}
    for reason_id, code, mrr in ChurnLoss.objects.filter(reason__in=list(rows)).values_list(
        "reason_id", "product__code", "mrr"
    ):
        per.setdefault(reason_id, []).append((code, mrr))
    return {k: tuple(sorted(v)) for k, v in per.items()}


def _write_losses(reason: ChurnReason, event: core.Event, products: dict[str, int]) -> None:
    ChurnLoss.objects.filter(reason=reason).delete()
    ChurnLoss.objects.bulk_create(
        ChurnLoss(reason=reason, product_id=products[code], mrr=mrr)
        for code, mrr in event.losses
        if code in products
    )


@transaction.atomic
def churn_events_refresh(
    *,
    today: dt.date,
    account_ids: Iterable[int] | None = None,
    since: dt.date | None = None,
    ask: bool = True,
) -> int:
    """Bring the churn-reason rows of ``account_ids`` (every account when None) in step with
    the lines as of ``today``; how many rows were created, changed or deleted. New rows are
    made for events from ``since`` on (default: ``ASK_WITHIN_DAYS`` back); ``ask`` False
    opens no task (the demo's history)."""
    ids = None if account_ids is None else sorted(set(account_ids))
    events = {e.key: e for e in core.churn_events(core_lines(ids), as_of=today)}
    rows = (
        ChurnReason.objects.all() if ids is None else ChurnReason.objects.filter(account_id__in=ids)
    )
    current = {(r.account_id, r.line_id, r.churned_on): r for r in rows}
    losses = _losses_of(current.values())
    products = dict(Product.objects.values_list("code", "pk"))
    since = core.ask_since(today) if since is None else since
    changed = 0
    for key, row in current.items():
        event = events.get(key)
        if event is None:
            if row.is_missing:
                row.delete()
                changed += 1
            continue
        if row.lost_mrr != event.lost_mrr or losses.get(row.pk, ()) != event.losses:
            ChurnReason.objects.filter(pk=row.pk).update(lost_mrr=event.lost_mrr)
            _write_losses(row, event, products)
            changed += 1
    new = [e for k, e in events.items() if k not in current and e.churned_on >= since]
    changed += _create(new, products, today, ask=ask)
    return changed


def _create(
    events: list[core.Event], products: dict[str, int], today: dt.date, *, ask: bool
) -> int:
    if not events:
        return 0
    accounts = Account.objects.select_related("owner").in_bulk(
        sorted({e.account_id for e in events})
    )
    now = timezone.now()
    for event in events:
        account = accounts[event.account_id]
        reason = ChurnReason.objects.create(
            account=account,
            line_id=event.line_id,
            churned_on=event.churned_on,
            segment=account.segment,
            lost_mrr=event.lost_mrr,
            detected_at=now,
        )
        _write_losses(reason, event, products)
        if ask and (today - event.churned_on).days <= TASK_WITHIN_DAYS:
            _ask_owner(reason, account, today)
    return len(events)


def _ask_owner(reason: ChurnReason, account: Account, today: dt.date) -> None:
    """Open a task for the account's owner (or their team's manager) asking for the reason;
    nobody to own it, or a task that cannot open, is logged and the row stays missing."""
    owner = rule_task_owner(account.owner, account.team_id)
    if owner is None:
        return
    message = message_of(TASK_REASON, day=reason.churned_on.isoformat(), mrr=f"{reason.lost_mrr:,}")
    with translation.override(owner.language or "ja"):
        title = _("Record the churn reason: %(account)s") % {"account": account.name}
        text = message_render(message)
    try:
        with transaction.atomic():
            task_create(
                actor=None,
                account=account,
                owner=owner,
                title=title[:200],
                due_date=due_in_business_days(TASK_DUE_BUSINESS_DAYS, today=today),
                reason=text,
                reason_message=message,
                dedup_key=task_dedup_key(reason.pk),
            )
    except (ValidationError, PermissionDenied) as error:
        logger.warning("churnreasons: no task for churn event %s: %s", reason.pk, error)
