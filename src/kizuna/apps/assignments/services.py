"""Assigning accounts to CSMs: auto-assignment within the load norms (pure core), manual
reassignment with a reason, and the hand-off from onboarding to adoption with a note.

Which team serves which accounts, and what counts as load: ``selectors`` (its docstring).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from kizuna.apps.assignments.models import AssignmentChange, ChangeSource
from kizuna.apps.assignments.selectors import Books, books_read
from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.org.access import can_apply_auto_assignment, can_hand_off, can_reassign
from kizuna.apps.org.models import Role, Team, TeamKind, User
from kizuna.core.assignment import AssignmentPlan, auto_assign


@dataclass(frozen=True)
class AutoAssignPreview:
    plan: AssignmentPlan
    targets: dict[int, int | None]  # account id → the team it moves to
    considered: int


def auto_assign_preview(books: Books | None = None) -> AutoAssignPreview:
    """Plan owners for active accounts that have none, or whose owner's team does not serve
    the account's segment and phase any more (re-segmented), on the books the load page reads
    (``selectors.books_read``). Changes nothing."""
    if books is None or not books.with_accounts:
        books = books_read(accounts=True)
    plan = auto_assign(books.loads, books.to_place, norms=books.norms)
    return AutoAssignPreview(plan=plan, targets=books.targets, considered=len(books.to_place))


@transaction.atomic
def auto_assign_apply(*, actor: User) -> int:
    """Recompute the plan and apply it: owners and teams change, each change recorded."""
    if not can_apply_auto_assignment(actor):
        raise PermissionDenied
    preview = auto_assign_preview()
    accounts = Account.objects.in_bulk(list(preview.targets))
    changed = 0
    assigned = {item.account_id: item.csm_id for item in preview.plan.assignments}
    for account_id in preview.plan.pooled:
        assigned.setdefault(account_id, 0)
    for account_id, csm_id in assigned.items():
        account = accounts[account_id]
        _change(
            account,
            owner_id=csm_id or None,
            team_id=preview.targets[account_id],
            actor=actor,
            source=ChangeSource.AUTO,
            reason=_("Auto-assignment within the load norms"),
        )
        changed += 1
    return changed


def _change(
    account: Account,
    *,
    owner_id: int | None,
    team_id: int | None,
    actor: User | None,
    source: str,
    reason: str,
) -> AssignmentChange:
    change = AssignmentChange.objects.create(
        account=account,
        from_owner_id=account.owner_id,
        to_owner_id=owner_id,
        from_team_id=account.team_id,
        to_team_id=team_id,
        source=source,
        reason=reason,
        by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=account,
        account_id=account.pk,
        changes={
            "owner": [account.owner_id, owner_id],
            "team": [account.team_id, team_id],
            "reason": [None, reason],
        },
    )
    Account.objects.filter(pk=account.pk).update(owner_id=owner_id, team_id=team_id)
    return change


@transaction.atomic
def account_reassign(
    *, actor: User, account: Account, owner: User, reason: str
) -> AssignmentChange:
    """A manager (of the account's team) or an admin gives the account to ``owner``."""
    if not can_reassign(actor, account):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the reassignment.")})
    if owner.pk == account.owner_id:
        raise ValidationError({"owner": _("This CSM already owns the account.")})
    return _change(
        account,
        owner_id=owner.pk,
        team_id=owner.team_id or account.team_id,
        actor=actor,
        source=ChangeSource.MANUAL,
        reason=reason.strip(),
    )


@transaction.atomic
def account_handoff(*, actor: User | None, account: Account, note: str) -> AssignmentChange:
    """Hand a low-touch account from the onboarding team to the adoption team: the phase
    becomes adoption, the adoption CSM with the lightest load (``selectors``) takes it, the
    note travels.

    ``actor`` None is Kizuna itself: the onboarding job hands off an account whose
    onboardings all completed."""
    if actor is not None and not can_hand_off(actor, account):
        raise PermissionDenied
    if account.segment != "low" or account.phase != Phase.ONBOARDING:
        raise ValidationError(_("Only low-touch accounts in onboarding are handed off."))
    if not note.strip():
        raise ValidationError({"note": _("Write a hand-off note for the adoption team.")})
    adoption = Team.objects.filter(kind=TeamKind.CORPORATE_ADOPTION).order_by("id").first()
    if adoption is None:
        raise ValidationError(_("There is no corporate adoption team."))
    books: dict[int, int] = defaultdict(int)
    books.update(  # load as the load page counts it: the low-touch accounts past onboarding
        Account.objects.filter(owner__team=adoption, mrr__gt=0, segment="low")
        .exclude(phase=Phase.ONBOARDING)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    members = list(User.objects.filter(team=adoption, role=Role.CSM, is_active=True).order_by("id"))
    owner = min(members, key=lambda m: (books[m.pk], m.pk)) if members else None
    Account.objects.filter(pk=account.pk).update(phase=Phase.ADOPTION)
    return _change(
        account,
        owner_id=owner.pk if owner else None,
        team_id=adoption.pk,
        actor=actor,
        source=ChangeSource.HANDOFF,
        reason=note.strip(),
    )
