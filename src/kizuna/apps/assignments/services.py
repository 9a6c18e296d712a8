"""Assigning accounts to CSMs: auto-assignment within the load norms (pure core), manual
reassignment with a reason, and the hand-off from onboarding to adoption with a note.

Which team serves which accounts, and what counts as load: ``selectors`` (its docstring).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import batched

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from kizuna.apps.assignments.models import AssignmentChange, ChangeSource
from kizuna.apps.assignments.selectors import Books, books_read
from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.audit.services import audit_event
from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.org.access import can_apply_auto_assignment, can_hand_off, can_reassign
from kizuna.apps.org.models import Role, Team, TeamKind, User
from kizuna.core.assignment import AssignmentPlan, auto_assign, handoff_owners

BATCH = 2000  # rows per INSERT, ids per UPDATE


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


@dataclass(frozen=True)
class _Move:
    """One account's new owner and team, and the reason recorded with the change."""

    account: Account
    owner_id: int | None
    team_id: int | None
    reason: str


def _change(
    account: Account,
    *,
    owner_id: int | None,
    team_id: int | None,
    actor: User | None,
    source: str,
    reason: str,
) -> AssignmentChange:
    return _changes(
        [_Move(account, owner_id, team_id, reason)], actor=actor, source=source, phase=None
    )[0]


def _changes(
    moves: Sequence[_Move], *, actor: User | None, source: str, phase: str | None
) -> list[AssignmentChange]:
    """Give each account its new owner and team (and ``phase`` unless None), recording one
    ``AssignmentChange`` and one audit event per account, in the order of ``moves``: the rows
    are written in bulk, the accounts with one UPDATE per new owner and team."""
    changes = AssignmentChange.objects.bulk_create(
        [
            AssignmentChange(
                account=m.account,
                from_owner_id=m.account.owner_id,
                to_owner_id=m.owner_id,
                from_team_id=m.account.team_id,
                to_team_id=m.team_id,
                source=source,
                reason=m.reason,
                by=actor,
            )
            for m in moves
        ],
        batch_size=BATCH,
    )
    AuditEvent.objects.bulk_create(
        [
            audit_event(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=m.account,
                account_id=m.account.pk,
                changes={
                    "owner": [m.account.owner_id, m.owner_id],
                    "team": [m.account.team_id, m.team_id],
                    "reason": [None, m.reason],
                },
            )
            for m in moves
        ],
        batch_size=BATCH,
    )
    targets: dict[tuple[int | None, int | None], list[int]] = defaultdict(list)
    for m in moves:
        targets[(m.owner_id, m.team_id)].append(m.account.pk)
    values = {} if phase is None else {"phase": phase}
    for (owner_id, team_id), ids in targets.items():
        for chunk in batched(ids, BATCH):
            Account.objects.filter(pk__in=chunk).update(
                owner_id=owner_id, team_id=team_id, **values
            )
    return changes


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


@dataclass(frozen=True)
class Handoff:
    """An account to hand off to the adoption team, and the note that travels with it."""

    account: Account
    note: str


@transaction.atomic
def account_handoff(*, actor: User | None, account: Account, note: str) -> AssignmentChange:
    """Hand a low-touch account from the onboarding team to the adoption team: the phase
    becomes adoption, the adoption CSM with the lightest load takes it (the rule:
    ``kizuna.core.assignment.handoff_owners``), the note travels.

    ``actor`` None is Kizuna itself: the onboarding job hands off an account whose
    onboardings all completed."""
    return accounts_handoff(actor=actor, handoffs=[Handoff(account, note)])[0]


@transaction.atomic
def accounts_handoff(*, actor: User | None, handoffs: Sequence[Handoff]) -> list[AssignmentChange]:
    """Hand off many accounts at once, exactly as ``account_handoff`` would one after the
    other in this order: the adoption team's books are read once, each account goes to the
    adoption CSM with the lightest load at its turn, and that load grows as the load page
    would count the account (``kizuna.core.assignment.handoff_owners``). Everything is
    refused, nothing changed, if one account may not be handed off (by ``actor``, or not
    low-touch in onboarding, or twice) or its note is empty. Returns the changes in the
    order of ``handoffs``."""
    if actor is not None and not all(can_hand_off(actor, h.account) for h in handoffs):
        raise PermissionDenied
    seen: set[int] = set()
    for h in handoffs:
        if (
            h.account.segment != "low"
            or h.account.phase != Phase.ONBOARDING
            or h.account.pk in seen
        ):
            raise ValidationError(_("Only low-touch accounts in onboarding are handed off."))
        if not h.note.strip():
            raise ValidationError({"note": _("Write a hand-off note for the adoption team.")})
        seen.add(h.account.pk)
    if not handoffs:
        return []
    adoption = Team.objects.filter(kind=TeamKind.CORPORATE_ADOPTION).order_by("id").first()
    if adoption is None:
        raise ValidationError(_("There is no corporate adoption team."))
    owners = handoff_owners(  # handed off, a low-touch account is past onboarding
        adoption_loads(adoption), (h.account.mrr > 0 for h in handoffs)
    )
    moves = [
        _Move(h.account, owner_id, adoption.pk, h.note.strip())
        for h, owner_id in zip(handoffs, owners, strict=True)
    ]
    return _changes(moves, actor=actor, source=ChangeSource.HANDOFF, phase=Phase.ADOPTION)


def adoption_loads(adoption: Team) -> dict[int, int]:
    """The active CSMs of the adoption team, each with their load as the load page counts it:
    the low-touch accounts past onboarding that pay."""
    books: dict[int, int] = defaultdict(int)
    books.update(
        Account.objects.filter(owner__team=adoption, mrr__gt=0, segment="low")
        .exclude(phase=Phase.ONBOARDING)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    members = User.objects.filter(team=adoption, role=Role.CSM, is_active=True)
    return {pk: books[pk] for pk in members.order_by("id").values_list("pk", flat=True)}
