"""Writing CSQLs: raise one, move its state by hand, refresh the derived fields every day,
change the attribution window. Each write is one transaction, keyword-only and audited.

A member (``actor``) is checked against ``kizuna.apps.org.access`` (``PermissionDenied``); a
wrong state or value raises ``ValidationError`` keyed by field, in the member's language.
At most one open CSQL per account and product (and one without a product): a second raise
while one is open, even a concurrent one, is refused by the database's unique constraints.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.customers.models import Account, Product
from kizuna.apps.expansion.models import (
    CHOSEN_REASONS,
    OPEN_STATES,
    Csql,
    CsqlMonth,
    CsqlState,
    ExpansionSettings,
)
from kizuna.apps.org.access import (
    can_change_csql,
    can_edit_expansion_settings,
    can_own_csql,
    can_raise_csql,
)
from kizuna.apps.org.models import User
from kizuna.apps.revenue.frames import revenue_lines
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core import expansion as core

#: how many reasons a CSQL keeps, and how long a reason's code may be
MAX_REASONS = 10

#: the code of the error a second open CSQL for one account and product raises
DUPLICATE = "duplicate"

#: the hand moves allowed from each state
MOVES: dict[str, tuple[str, ...]] = {
    CsqlState.PROPOSED: (CsqlState.ACCEPTED, CsqlState.WON, CsqlState.LOST),
    CsqlState.ACCEPTED: (CsqlState.WON, CsqlState.LOST),
    CsqlState.WON: (),
    CsqlState.LOST: (),
}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _refuse_nul(**texts: str) -> None:
    bad = {k: _("Null characters are not allowed.") for k, v in texts.items() if "\x00" in v}
    if bad:
        raise ValidationError(bad, code="null_characters_not_allowed")


def _clean_reasons(reasons: Any) -> list[dict[str, Any]]:
    """The approach score's reasons as stored: a list of {code, points, details} with plain
    JSON numbers and texts; anything else is dropped (they are copied, never typed)."""
    if not isinstance(reasons, list):
        return []
    out = []
    for item in reasons[:MAX_REASONS]:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            continue
        raw = item.get("details")
        details: dict[Any, Any] = raw if isinstance(raw, dict) else {}
        out.append(
            {
                "code": item["code"][:40],
                "points": _finite(item.get("points")),
                "details": {
                    str(k)[:40]: v
                    for k, v in details.items()
                    if isinstance(v, int | float | str) and not isinstance(v, bool)
                },
            }
        )
    return out


def _finite(value: Any) -> float:
    try:
        number = float(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _sales_owner(member: User | None, name: str) -> tuple[User | None, str]:
    name = name.strip()
    _refuse_nul(sales_owner_name=name)
    if member is None and not name:
        raise ValidationError(
            {"sales_owner": _("Name a sales owner: a member or a CRM user.")}, code="required"
        )
    if member is not None and not can_own_csql(member):
        raise ValidationError({"sales_owner": _("This member cannot own a CSQL.")}, code="invalid")
    return member, ("" if member is not None else name)


def _open_exists(account: Account, product: Product | None) -> bool:
    return Csql.objects.filter(account=account, product=product, state__in=OPEN_STATES).exists()


def _open_duplicate(account: Account, product: Product | None) -> ValidationError:
    message = _("This account already has an open CSQL for this product.")
    return ValidationError({"account": ValidationError(message, code=DUPLICATE)})


@transaction.atomic
def csql_raise(
    *,
    actor: User,
    account: Account,
    sales_owner: User | None = None,
    sales_owner_name: str = "",
    product: Product | None = None,
    reasons: Any = None,
    approach_score: float | None = None,
    note: str = "",
    via: str = "web",
) -> Csql:
    """A new proposed CSQL on ``account`` raised by ``actor`` today (the company's day), with
    the approach score's reasons copied in and the raiser's team of the day. Refused
    (``ValidationError`` code ``duplicate``) when the account has an open CSQL for the same
    product (or, without a product, one without)."""
    _require(can_raise_csql(actor, account))
    _refuse_nul(note=note)
    owner, owner_name = _sales_owner(sales_owner, sales_owner_name)
    if approach_score is not None and not 0 <= approach_score <= 100:
        raise ValidationError({"approach_score": _("Give a score from 0 to 100.")}, code="invalid")
    now, today = timezone.now(), tenant_today()
    window = expansion_settings_get().window_months
    csql = Csql(
        account=account,
        product=product,
        raised_by=actor,
        team_id=actor.team_id,
        raised_on=today,
        raised_at=now,
        window_ends_on=core.window_ends_on(today, window),
        reasons=_clean_reasons(reasons),
        approach_score=approach_score,
        note=note,
        sales_owner=owner,
        sales_owner_name=owner_name,
    )
    csql.full_clean(validate_constraints=False)
    if _open_exists(account, product):
        raise _open_duplicate(account, product)
    try:
        with transaction.atomic():
            csql.save(force_insert=True)
    except IntegrityError:
        raise _open_duplicate(account, product) from None
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=csql,
        account_id=account.pk,
        changes={
            "state": [None, csql.state],
            "product": [None, product.code if product else None],
            "sales_owner": [None, csql.sales_owner_label],
        },
        via=via,
    )
    return csql


def _locked(csql: Csql) -> Csql:
    return Csql.objects.select_for_update().select_related("raised_by").get(pk=csql.pk)


@transaction.atomic
def csql_move(
    *,
    actor: User,
    csql: Csql,
    state: str,
    lost_reason: str = "",
    lost_note: str = "",
    via: str = "web",
) -> Csql:
    """Move a CSQL by hand: proposed → accepted; proposed or accepted → won, or → lost with a
    reason a person may choose (``CHOSEN_REASONS``). Won and lost are final. Only the sales
    owner, the raiser's manager or an admin (``can_change_csql``)."""
    csql = _locked(csql)
    _require(can_change_csql(actor, csql))
    if state not in MOVES.get(csql.state, ()):
        raise ValidationError(
            {
                "state": _("A CSQL that is %(state)s cannot move there.")
                % {"state": csql.get_state_display()}
            },
            code="invalid_state",
        )
    _refuse_nul(lost_note=lost_note)
    if state == CsqlState.LOST and lost_reason not in CHOSEN_REASONS:
        raise ValidationError({"lost_reason": _("Choose why it was lost.")}, code="required")
    before = [csql.state, csql.lost_reason]
    csql.state = state
    fields = ["state"]
    if state in (CsqlState.WON, CsqlState.LOST):
        csql.closed_on, csql.closed_by_job = tenant_today(), False
        csql.lost_reason = lost_reason if state == CsqlState.LOST else ""
        csql.lost_note = lost_note.strip() if state == CsqlState.LOST else ""
        fields += ["closed_on", "closed_by_job", "lost_reason", "lost_note"]
    csql.full_clean(validate_constraints=False)
    csql.save(update_fields=fields)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=csql,
        account_id=csql.account_id,
        changes={"state": [before[0], csql.state], "lost_reason": [before[1], csql.lost_reason]},
        via=via,
    )
    return csql


@transaction.atomic
def csql_hand_to(
    *,
    actor: User,
    csql: Csql,
    sales_owner: User | None,
    sales_owner_name: str = "",
    via: str = "web",
) -> Csql:
    """Give an open CSQL another sales owner (a member, or a CRM user's name)."""
    csql = _locked(csql)
    _require(can_change_csql(actor, csql))
    if not csql.is_open:
        raise ValidationError(
            {"state": _("Only an open CSQL changes hands.")}, code="invalid_state"
        )
    before = csql.sales_owner_label
    csql.sales_owner, csql.sales_owner_name = _sales_owner(sales_owner, sales_owner_name)
    csql.save(update_fields=["sales_owner", "sales_owner_name"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=csql,
        account_id=csql.account_id,
        changes={"sales_owner": [before, csql.sales_owner_label]},
        via=via,
    )
    return csql


def expansion_settings_get() -> ExpansionSettings:
    """The company's CSQL settings; the defaults (not saved) until an admin changes them, so
    that reading them never writes (two raises at once would wait on each other's insert)."""
    return ExpansionSettings.objects.filter(pk=1).first() or ExpansionSettings(pk=1)


@transaction.atomic
def expansion_settings_set(
    *, actor: User, window_months: int, via: str = "web"
) -> ExpansionSettings:
    _require(can_edit_expansion_settings(actor))
    settings, _created = ExpansionSettings.objects.select_for_update().get_or_create(pk=1)
    before = settings.window_months
    settings.window_months = window_months
    settings.full_clean()
    settings.save(update_fields=["window_months"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=settings,
        account_id=None,
        changes={"window_months": [before, window_months]},
        via=via,
    )
    return settings


@transaction.atomic
def csqls_refresh(*, today: dt.date) -> int:
    """The daily job: attribute every account's expansion to its CSQLs and derive the states
    (``core.expansion.decide``) as of ``today``; writes only the derived fields (attributed
    MRR and months, window end, and a state the job closes: won, or lost ``no_expansion``).
    Idempotent: a second run the same day writes the same values. How many CSQLs changed."""
    window = expansion_settings_get().window_months
    rows = list(Csql.objects.values_list("pk", "account_id", "raised_on", "state"))
    if not rows:
        return 0
    facts = [core.Csql(pk, account, raised, state) for pk, account, raised, state in rows]
    accounts = sorted({f.account_id for f in facts})
    expansions = core.expansions_from_lines(revenue_lines(account_ids=accounts), as_of=today)
    decisions = core.decide(facts, expansions, as_of=today, window_months=window)
    return _write_decisions(decisions, {f.csql_id: f.state for f in facts}, today)


def _write_decisions(decisions: list[core.Decision], states: dict[int, str], today: dt.date) -> int:
    current = {
        c.pk: c
        for c in Csql.objects.only(
            "account_id", "attributed_mrr", "window_ends_on", "state", "closed_on", "lost_reason"
        )
    }
    stored: dict[int, dict[dt.date, int]] = {}
    for csql_id, month, mrr in CsqlMonth.objects.values_list("csql_id", "month", "mrr"):
        stored.setdefault(csql_id, {})[month] = mrr
    changed = []
    for d in decisions:
        csql = current[d.csql_id]
        months = {a.month: a.mrr for a in d.months}
        closes = d.state != states[d.csql_id]
        if (
            months == stored.get(d.csql_id, {})
            and not closes
            and (csql.attributed_mrr, csql.window_ends_on) == (d.attributed_mrr, d.window_ends_on)
        ):
            continue
        _write_one(csql, d, months, closes, today)
        changed.append(d.csql_id)
    return len(changed)


def _write_one(
    csql: Csql, d: core.Decision, months: dict[dt.date, int], closes: bool, today: dt.date
) -> None:
    CsqlMonth.objects.filter(csql=csql).delete()
    CsqlMonth.objects.bulk_create(CsqlMonth(csql=csql, month=m, mrr=v) for m, v in months.items())
    fields = {
        "attributed_mrr": d.attributed_mrr,
        "window_ends_on": d.window_ends_on,
        "refreshed_on": today,
    }
    if closes:
        fields |= {
            "state": d.state,
            "closed_on": d.closed_on,
            "lost_reason": d.lost_reason,
            "closed_by_job": True,
        }
    # conditional: a person's move made meanwhile wins over the job's
    updated = Csql.objects.filter(pk=csql.pk, state=csql.state).update(**fields)
    if updated and closes:
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            instance=csql,
            account_id=csql.account_id,
            changes={"state": [csql.state, d.state], "lost_reason": ["", d.lost_reason]},
            via="job",
        )
