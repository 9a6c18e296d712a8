"""Assigning accounts to CSMs: auto-assignment within the load norms (pure core), manual
reassignment with a reason, and the hand-off from onboarding to adoption with a note.

Which team serves which accounts: high touch → the strategic team (one CSM from onboarding to
renewal); low touch → the corporate onboarding team while the account onboards, the corporate
adoption team after; tech and community touch → the enablement team, 1:N, without an owner.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from kizuna.apps.assignments.models import AssignmentChange, ChangeSource
from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.org.access import can_apply_auto_assignment, can_hand_off, can_reassign
from kizuna.apps.org.models import Role, Team, TeamKind, User
from kizuna.apps.segments.services import coverage_policies_ensure_defaults
from kizuna.core.assignment import AccountToAssign, AssignmentPlan, CsmLoad, LoadNorm, auto_assign

SERVES: dict[str, str] = {
    TeamKind.STRATEGIC: "high",
    TeamKind.CORPORATE_ONBOARDING: "low",
    TeamKind.CORPORATE_ADOPTION: "low",
    TeamKind.ENABLEMENT: "tech",
}


def serving_team_kind(*, segment: str, phase: str) -> str:
    if segment == "high":
        return TeamKind.STRATEGIC
    if segment == "low":
        return (
            TeamKind.CORPORATE_ONBOARDING
            if phase == Phase.ONBOARDING
            else TeamKind.CORPORATE_ADOPTION
        )
    return TeamKind.ENABLEMENT


def load_norms() -> list[LoadNorm]:
    return [
        LoadNorm(
            segment=p.segment,
            min_accounts=p.min_accounts_per_csm or 0,
            max_accounts=p.max_accounts_per_csm,
        )
        for p in coverage_policies_ensure_defaults()
        if p.max_accounts_per_csm
    ]


@dataclass(frozen=True)
class AutoAssignPreview:
    plan: AssignmentPlan
    targets: dict[int, int | None]  # account id → the team it moves to
    considered: int


def _teams_by_kind() -> dict[str, Team]:
    return {team.kind: team for team in Team.objects.order_by("id")}


def _csm_loads(teams: dict[str, Team]) -> list[CsmLoad]:
    team_kind = {team.pk: kind for kind, team in teams.items()}
    csms = User.objects.filter(role=Role.CSM, is_active=True, team__isnull=False)
    books: dict[int, tuple[int, int]] = {
        owner_id: (n, int(mrr or 0))
        for owner_id, n, mrr in Account.objects.filter(mrr__gt=0, owner__isnull=False)
        .values("owner_id")
        .annotate(n=Count("id"), total=Sum("mrr"))
        .values_list("owner_id", "n", "total")
    }
    return [
        CsmLoad(
            csm_id=csm.pk,
            team_id=int(csm.team_id),
            segment=SERVES.get(team_kind.get(int(csm.team_id), ""), "tech"),
            accounts=books.get(csm.pk, (0, 0))[0],
            acv=books.get(csm.pk, (0, 0))[1] * 12,
        )
        for csm in csms
        if csm.team_id is not None
    ]


def auto_assign_preview() -> AutoAssignPreview:
    """Plan owners for active accounts that have none, or whose owner's team does not serve
    the account's segment and phase any more (re-segmented). Changes nothing."""
    teams = _teams_by_kind()
    owner_team = dict(User.objects.values_list("id", "team_id"))
    todo: list[AccountToAssign] = []
    targets: dict[int, int | None] = {}
    rows = Account.objects.filter(mrr__gt=0).values_list(
        "id", "segment", "phase", "owner_id", "mrr"
    )
    for account_id, segment, phase, owner_id, mrr in rows:
        team = teams.get(serving_team_kind(segment=segment, phase=phase))
        if owner_id is not None and team is not None and owner_team.get(owner_id) == team.pk:
            continue
        if segment not in {"high", "low"} and owner_id is None:
            continue
        targets[account_id] = team.pk if team else None
        todo.append(
            AccountToAssign(
                account_id=account_id,
                segment=segment,
                acv=mrr * 12,
                team_id=team.pk if team else None,
            )
        )
    loads = _csm_loads(teams)
    return AutoAssignPreview(
        plan=auto_assign(loads, todo, norms=load_norms()), targets=targets, considered=len(todo)
    )


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
    becomes adoption, the adoption CSM with the lightest book takes it, the note travels.

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
    books.update(
        Account.objects.filter(owner__team=adoption, mrr__gt=0)
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
