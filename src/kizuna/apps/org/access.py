"""Every permission decision goes through these helpers: nothing outside ``kizuna.apps.org``
reads a member's role (a test scans the code and templates for it).

Rules (see docs/permissions.md):
- every signed-in member reads every account (a CS team covers for each other);
- a CSM edits the accounts they own; a manager edits their team's accounts (the account's
  team, or its owner's team); a CS ops admin edits everything; a viewer edits nothing;
- only admins and managers create accounts; a manager only within their own team;
- who owns an account, its team and its touch model change only by reassignment, a segment
  exception or review, or auto-assignment: a manager of the account's team or an admin;
- the lifecycle phase moves by the daily jobs and the hand-off; editing the account changes
  it only for a manager of the account's team or an admin;
- an account's parent company (group companies) is set by a manager of its team or an admin;
- managers and admins see another member's lists; everyone else sees their own;
- a task is acted on (snoozed, done, dismissed, reopened) by its owner, a manager of the
  owner's or the account's team, or an admin; a CSM never closes another CSM's task; it is
  reassigned by such a manager or an admin; any member but a viewer comments on any task.
Reading a missing object gives 404; writing an object one may read but not edit gives 403
(``customers.access.access_account``, ``touchpoints.access.access_touchpoint``).

Pages get two objects for their templates, so that no template compares roles:
``member_permissions`` (the navigation and list pages) and ``account_permissions`` (one
account's page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from kizuna.apps.org.models import Role, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class AccountFields(Protocol):
    """What the account rules read of an account (``customers.models.Account``): its owner and
    its team. The rules name these fields rather than the model: org sits below customers (see
    docs/architecture.md), and customers' own services ask these rules."""

    @property
    def owner_id(self) -> int | None: ...

    @property
    def owner(self) -> User | None: ...

    @property
    def team_id(self) -> int | None: ...


class TouchpointFields(Protocol):
    """What the touchpoint rule reads of a logged touchpoint (``touchpoints.models.Touchpoint``):
    its account, who logged it and its CSM."""

    @property
    def account(self) -> AccountFields: ...

    @property
    def created_by_id(self) -> int | None: ...

    @property
    def csm_id(self) -> int | None: ...


def can_edit_account(user: User, account: AccountFields) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.MANAGER:
        if user.team_id is None:
            return False
        owner_team_id = account.owner.team_id if account.owner_id and account.owner else None
        return user.team_id in {account.team_id, owner_team_id}
    if user.role == Role.CSM:
        return account.owner_id == user.id
    return False


def can_create_account(user: User) -> bool:
    return user.is_authenticated and user.role in {Role.ADMIN, Role.MANAGER}


def can_manage_tenant(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def _active(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _has_role(user: User | AnonymousUser, *roles: str) -> bool:
    return _active(user) and getattr(user, "role", None) in roles


# --- accounts: placement (owner, team, touch model) -------------------------------------


def can_create_account_in_team(user: User, team_id: int | None) -> bool:
    """An admin places a new account in any team (or none); a manager only in their own."""
    if _has_role(user, Role.ADMIN):
        return True
    return _has_role(user, Role.MANAGER) and team_id == user.team_id


def default_team_for_new_account(user: User) -> int | None:
    """A manager's new accounts land in their team unless they name one; an admin's in none."""
    return user.team_id if _has_role(user, Role.MANAGER) else None


def can_reassign(user: User, account: AccountFields) -> bool:
    """Give the account to another CSM (reason required): its team's manager, or an admin."""
    return _has_role(user, Role.ADMIN, Role.MANAGER) and can_edit_account(user, account)


def can_change_segment(user: User, account: AccountFields) -> bool:
    """Raise or lower the touch model by exception (reason and expiry): as ``can_reassign``."""
    return can_reassign(user, account)


def can_change_phase(user: User, account: AccountFields) -> bool:
    """Correct the lifecycle phase by editing the account: as ``can_reassign``. The phase
    otherwise moves by itself (the daily jobs, the hand-off); a low-touch account leaves
    onboarding only by the hand-off, whoever asks (``customers.services.account_update``)."""
    return can_reassign(user, account)


def can_set_parent(user: User, account: AccountFields) -> bool:
    """Set or clear the account's parent company (親会社): as ``can_reassign`` (a manager of
    the account's team, or an admin). Any account may be named the parent: every member reads
    every account."""
    return can_reassign(user, account)


def can_apply_auto_assignment(user: User) -> bool:
    return _has_role(user, Role.ADMIN)


# --- accounts: work on one account ------------------------------------------------------


def can_log_touchpoint(user: User, account: AccountFields) -> bool:
    return can_edit_account(user, account)


def can_hand_off(user: User, account: AccountFields) -> bool:
    """Hand a low-touch account from onboarding to adoption: whoever may edit it."""
    return can_edit_account(user, account)


def can_record_sentiment(user: User, account: AccountFields) -> bool:
    return can_edit_account(user, account)


def can_tick_criteria(user: User, account: AccountFields) -> bool:
    """Tick an onboarding's manual criterion, or take a tick back."""
    return can_edit_account(user, account)


@dataclass(frozen=True)
class AccountPermissions:
    """What one member may do on one account's page (``{% if account_perms.reassign %}``)."""

    edit: bool
    log_touchpoint: bool
    reassign: bool
    change_segment: bool
    hand_off: bool
    record_sentiment: bool


def account_permissions(user: User, account: AccountFields) -> AccountPermissions:
    return AccountPermissions(
        edit=can_edit_account(user, account),
        log_touchpoint=can_log_touchpoint(user, account),
        reassign=can_reassign(user, account),
        change_segment=can_change_segment(user, account),
        hand_off=can_hand_off(user, account),
        record_sentiment=can_record_sentiment(user, account),
    )


# --- members' lists ---------------------------------------------------------------------


def can_view_other_members(user: User) -> bool:
    """Managers and admins pick any member's worklist or board; others see their own."""
    return _has_role(user, Role.ADMIN, Role.MANAGER)


def can_view_member(user: User, member: User) -> bool:
    """May ``user`` see ``member``'s worklist, board and lists?"""
    return _active(user) and (member.pk == user.pk or can_view_other_members(user))


def access_member(user: User, username: str | None) -> User:
    """The member whose worklist or board ``user`` asks for by ``username`` (``?csm=``):
    themselves without one; 403 if they may not see another member's (before any look-up, so
    names cannot be probed); 404 for an unknown name."""
    if not username or username == user.username:
        return user
    if not can_view_other_members(user):
        raise PermissionDenied
    member = User.objects.filter(username=username).first()
    if member is None:
        raise Http404
    return member


@dataclass(frozen=True)
class WorkScope:
    """Whose work a list shows when no member is picked: one member's, one team's, or
    everyone's (both None)."""

    member: User | None = None
    team_id: int | None = None


def default_work_scope(user: User) -> WorkScope:
    """A CSM sees their own work, a manager their team's, an admin or a viewer everyone's."""
    if _has_role(user, Role.CSM):
        return WorkScope(member=user)
    if _has_role(user, Role.MANAGER) and user.team_id:
        return WorkScope(team_id=user.team_id)
    return WorkScope()


# --- imports, uploads and company-wide settings -----------------------------------------


def can_import_touchpoints(user: User) -> bool:
    """Admins, managers and CSMs import; each row still needs ``can_log_touchpoint``."""
    return _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM)


def require_touchpoint_import(user: User) -> None:
    if not can_import_touchpoints(user):
        raise PermissionDenied


def can_view_touchpoint_import(user: User, *, created_by_id: int | None) -> bool:
    """A member sees their own imports; an admin sees every import."""
    return _active(user) and (created_by_id == user.pk or _has_role(user, Role.ADMIN))


def can_import_accounts(user: User) -> bool:
    """Bring the company's accounts in from a CRM export (and see the import runs): CS ops
    admins, who own data imports; the command line is for whoever runs the server."""
    return _has_role(user, Role.ADMIN)


def can_export(user: User | AnonymousUser) -> bool:
    """Download the export of every table (docs/export.md): CS ops admins, as it holds every
    account, member and audit event of the company; the command line is for whoever runs the
    server."""
    return _has_role(user, Role.ADMIN)


def can_upload_backtest(user: User) -> bool:
    """Backtest a score model on a table brought from elsewhere: CS ops admins, who also try
    weightings and publish models (everyone sees the backtests Kizuna runs itself)."""
    return can_manage_tenant(user)


def can_open_django_admin(user: User) -> bool:
    return can_manage_tenant(user)


def role_opens_django_admin(role: str) -> bool:
    """Members created with this role get Django's admin site (``is_staff``, superuser)."""
    return role == Role.ADMIN


@dataclass(frozen=True)
class MemberPermissions:
    """What the signed-in member may do beyond reading, for the layout and list pages
    (``{% if can.create_account %}``; the ``can`` context processor)."""

    create_account: bool
    import_touchpoints: bool
    import_accounts: bool
    manage_tenant: bool
    usage_ops: bool
    administration: bool
    view_other_members: bool
    export: bool
    team_tasks: bool
    view_rules: bool = False
    view_playbooks: bool = False
    view_renewals: bool = False
    edit_review_cadence: bool = False
    view_funnels: bool = False
    view_feedback: bool = False
    view_survey_programs: bool = False
    view_diagnosis: bool = False
    view_monthly_report: bool = False


def member_permissions(user: User | AnonymousUser) -> MemberPermissions:
    if not _active(user):
        return MemberPermissions(False, False, False, False, False, False, False, False, False)
    member: User = user  # type: ignore[assignment]
    return MemberPermissions(
        create_account=can_create_account(member),
        import_touchpoints=can_import_touchpoints(member),
        import_accounts=can_import_accounts(member),
        manage_tenant=can_manage_tenant(member),
        usage_ops=can_operate_usage(member),
        administration=can_open_django_admin(member),
        view_other_members=can_view_other_members(member),
        export=can_export(member),
        team_tasks=can_view_team_tasks(member),
        view_rules=can_view_rules(member),
        view_playbooks=can_view_playbooks(member),
        view_renewals=can_view_renewals(member),
        edit_review_cadence=can_edit_review_cadence(member),
        view_funnels=can_view_funnels(member),
        view_feedback=can_view_feedback(member),
        view_survey_programs=can_view_survey_programs(member),
        view_diagnosis=can_view_diagnosis(member),
        view_monthly_report=can_view_monthly_report(member),
    )


def require_account_create(user: User) -> None:
    if not can_create_account(user):
        raise PermissionDenied


# --- touchpoints: correcting one -------------------------------------------------------


def can_edit_touchpoint(user: User, touchpoint: TouchpointFields) -> bool:
    """Edit or delete a logged touchpoint: its author (the member who logged or imported it;
    for a touchpoint without a recorded author, e.g. the demo's, its CSM), a manager of the
    account's team (as in ``can_edit_account``) and admins. Never a viewer or an inactive
    member; owning the account alone is not enough."""
    if not _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM):
        return False
    if _has_role(user, Role.ADMIN, Role.MANAGER) and can_edit_account(user, touchpoint.account):
        return True
    return (touchpoint.created_by_id or touchpoint.csm_id) == user.pk


# --- tasks -------------------------------------------------------------------------------


class TaskFields(Protocol):
    """What the task rules read of a task (``tasks.models.Task``): its owner and account."""

    @property
    def owner_id(self) -> int: ...

    @property
    def owner(self) -> User: ...

    @property
    def account(self) -> AccountFields: ...


def _manages_task(user: User, task: TaskFields) -> bool:
    """A manager of the task owner's team or of the account's team (``can_edit_account``)."""
    if not _has_role(user, Role.MANAGER) or user.team_id is None:
        return False
    return task.owner.team_id == user.team_id or can_edit_account(user, task.account)


def can_act_on_task(user: User, task: TaskFields) -> bool:
    """Snooze, complete with an outcome, dismiss or reopen a task: its owner (unless a
    viewer), a manager of the owner's or the account's team, an admin. So a CSM closes only
    their own tasks; a viewer acts on none."""
    if not _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM):
        return False
    return task.owner_id == user.pk or _has_role(user, Role.ADMIN) or _manages_task(user, task)


def can_comment_on_task(user: User, task: TaskFields) -> bool:
    """Comment on a task: any active member but a viewer (a CS team covers for each other)."""
    return _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM)


def can_reassign_task(user: User, task: TaskFields) -> bool:
    """Give a task to another member: a manager of the owner's or the account's team, or an
    admin (as accounts are reassigned by their managers)."""
    return _has_role(user, Role.ADMIN) or _manages_task(user, task)


def can_own_task(member: User) -> bool:
    """Whom a task may be given to: an active member who works accounts (not a viewer)."""
    return _has_role(member, Role.ADMIN, Role.MANAGER, Role.CSM)


def task_owner_candidates() -> QuerySet[User]:
    """The members a task may be given to (``can_own_task``), by team and username."""
    return User.objects.filter(
        is_active=True, role__in=[Role.ADMIN, Role.MANAGER, Role.CSM]
    ).order_by("team__code", "username")


def rule_task_owner(owner: User | None, team_id: int | None) -> User | None:
    """Whom a rule's task on an account goes to: its owner when they may own a task, else the
    first active manager of the account's team (by username), else nobody (the firing is kept
    without a task, and the rule's page counts it)."""
    if owner is not None and owner.is_active and can_own_task(owner):
        return owner
    if team_id is None:
        return None
    managers = User.objects.filter(team_id=team_id, role=Role.MANAGER, is_active=True)
    return managers.order_by("username").first()


def can_create_task(user: User, account: AccountFields) -> bool:
    """Add a manual task on an account: whoever may edit the account."""
    return can_edit_account(user, account)


def can_view_team_tasks(user: User) -> bool:
    """See the open and overdue tasks of other members (a manager: their team; an admin:
    everyone; see ``default_work_scope``)."""
    return _has_role(user, Role.ADMIN) or (_has_role(user, Role.MANAGER) and bool(user.team_id))


@dataclass(frozen=True)
class TaskPermissions:
    """What one member may do on one task's page (``{% if task_perms.act %}``)."""

    act: bool
    comment: bool
    reassign: bool


def task_permissions(user: User, task: TaskFields) -> TaskPermissions:
    return TaskPermissions(
        act=can_act_on_task(user, task),
        comment=can_comment_on_task(user, task),
        reassign=can_reassign_task(user, task),
    )


# --- product usage operations ------------------------------------------------------------


def can_operate_usage(user: User) -> bool:
    """Act on usage ingestion from ``/usage/``: upload a file, map account keys, replay the
    quarantine, retry or discard a day whose rollup failed. CS ops admins only."""
    return _active(user) and can_manage_tenant(user)


def can_view_import_runs(user: User) -> bool:
    """See the import runs (accounts and contacts from CRM exports, by the command line, the
    import page or the drop folder) and each run's rejected rows: the ops page's readers."""
    return can_operate_usage(user)


# --- members, teams, products and company settings (the administration) ------------------


def can_manage_members(user: User) -> bool:
    """Add members, move them between teams, deactivate or reactivate them, and keep teams,
    products and company settings: CS ops admins (the administration is theirs)."""
    return _has_role(user, Role.ADMIN)


def role_manages_members(role: str) -> bool:
    """A member given this role invites and keeps the others (the CS ops admin that
    ``kizuna init`` needs first)."""
    return role == Role.ADMIN


def first_active_admin() -> User | None:
    """The longest-standing active CS ops admin, if any: whom ``kizuna init`` records as the
    author of what it adds to a company that has one."""
    return User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()


def can_change_member_role(user: User) -> bool:
    """Make a member a CSM, manager, viewer or CS ops admin: CS ops admins only."""
    return _has_role(user, Role.ADMIN)


def can_edit_member_profile(user: User, member: User) -> bool:
    """A member's display name and language: the member themselves, and CS ops admins."""
    return _active(user) and (user.pk == member.pk or can_manage_members(user))


def leaves_an_active_admin(member: User, *, role: str, is_active: bool) -> bool:
    """False when giving ``member`` this role and active state would leave the company with
    no active CS ops admin (nobody could then open the administration or change a role).
    Reads the stored member, not unsaved changes to ``member``."""
    if role == Role.ADMIN and is_active:
        return True
    admins = User.objects.filter(role=Role.ADMIN, is_active=True)
    was_admin = member.pk is not None and admins.filter(pk=member.pk).exists()
    return not was_admin or admins.exclude(pk=member.pk).exists()


# --- notifications and outbound webhooks (kizuna.apps.notify) ---------------------------


def can_use_notifications(user: User | AnonymousUser) -> bool:
    """Read one's own notifications and keep one's own notification preferences: every
    active member. Nobody reads or changes another member's (the pages and the API only ever
    look up the signed-in member's own)."""
    return _active(user)


def can_manage_webhooks(user: User | AnonymousUser) -> bool:
    """Add and deactivate outbound webhook endpoints and see their secrets once: CS ops
    admins, who connect Kizuna to the company's other systems."""
    return _has_role(user, Role.ADMIN)


def can_view_deliveries(user: User | AnonymousUser) -> bool:
    """See every delivery (e-mail, Slack, Teams, webhooks), their errors, and replay one: CS
    ops admins, the readers of the ops page."""
    return _has_role(user, Role.ADMIN)


# --- rules (the action layer: signals → tasks and alerts) --------------------------------


def can_view_rules(user: User | AnonymousUser) -> bool:
    """Read the rules, their versions, previews and records: every active member (CSMs and
    managers see why a task came to them; viewers read)."""
    return _active(user)


def can_edit_rules(user: User | AnonymousUser) -> bool:
    """Create, edit, enable and disable rules, and keep the alert settings (the weekly
    budget, the digest time): CS ops admins, who own the company's business settings."""
    return _has_role(user, Role.ADMIN)


def require_rules_edit(user: User | AnonymousUser) -> None:
    if not can_edit_rules(user):
        raise PermissionDenied


# --- playbooks: ordered steps started on an account -------------------------------------


def can_view_playbooks(user: User | AnonymousUser) -> bool:
    """Read the playbooks, their steps and their runs: every active member."""
    return _active(user)


def can_edit_playbooks(user: User | AnonymousUser) -> bool:
    """Create and edit playbooks and their steps: admins (CS ops), as for the rules."""
    return _has_role(user, Role.ADMIN)


def require_playbooks_edit(user: User | AnonymousUser) -> None:
    if not can_edit_playbooks(user):
        raise PermissionDenied


def can_run_playbook(user: User, account: AccountFields) -> bool:
    """Start a playbook on an account, or cancel its run: whoever may edit the account (the
    run opens tasks on it, as a manual task would)."""
    return can_edit_account(user, account)


# --- surveys: NPS / CSAT programs ----------------------------------------------------------


def can_view_survey_programs(user: User | AnonymousUser) -> bool:
    """Read the survey programs and their schedules: every active member."""
    return _active(user)


def can_edit_survey_programs(user: User | AnonymousUser) -> bool:
    """Create and edit survey programs (who is asked, when, the texts): admins (CS ops), as
    for the rules and the playbooks."""
    return _has_role(user, Role.ADMIN)


def require_survey_programs_edit(user: User | AnonymousUser) -> None:
    if not can_edit_survey_programs(user):
        raise PermissionDenied


def can_view_survey_answers(user: User | AnonymousUser) -> bool:
    """Read the survey answers and invitations (API): every active member, as the programs."""
    return _active(user)


def can_view_survey_analysis(user: User | AnonymousUser) -> bool:
    """Read the NPS / CSAT analysis and the comments (pages, API): every active member."""
    return _active(user)


def can_edit_survey_topics(user: User | AnonymousUser) -> bool:
    """Edit the topics comments are tagged with: admins (CS ops), as the programs."""
    return _has_role(user, Role.ADMIN)


def require_survey_topics_edit(user: User | AnonymousUser) -> None:
    if not can_edit_survey_topics(user):
        raise PermissionDenied


def can_post_survey_answers(user: User | AnonymousUser) -> bool:
    """Post an answer from an in-product survey or import a survey tool's export: admins
    (CS ops), who own data imports."""
    return _has_role(user, Role.ADMIN)


# --- surveys: detractor follow-ups and promoters (closing the loop) -----------------------


def detractor_followup_scope(user: User) -> WorkScope:
    """Whose detractor follow-ups the list shows: a CSM their own accounts', a manager their
    team's, an admin or a viewer everyone's (``default_work_scope``)."""
    return default_work_scope(user)


def can_view_detractor_followups(user: User | AnonymousUser) -> bool:
    """Read the follow-up list and one answer's page: every active member (within the scope
    above for the list; an answer's page, as every account, is read by every member)."""
    return _active(user)


def can_work_detractor_followup(
    user: User | AnonymousUser, account: AccountFields, *, owner_id: int | None
) -> bool:
    """Mark a detractor's follow-up contacted or resolve it: its owner or the account's
    owner (a CSM), a manager of the account's team or of its owner's team, an admin; never
    a viewer. So a CSM never resolves another CSM's follow-up."""
    if not _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM):
        return False
    member: User = user  # type: ignore[assignment]
    return owner_id == member.pk or can_edit_account(member, account)


def can_suggest_referral(user: User | AnonymousUser, account: AccountFields) -> bool:
    """Suggest a promoter's account for a referral: as raising a CSQL (``can_raise_csql``),
    any active member who works accounts."""
    return _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM)


# --- renewals: stage, forecast call, closing plans and their reviews ---------------------


def can_view_renewals(user: User | AnonymousUser) -> bool:
    """Read the renewal pipeline, a renewal, its closing plan and review history: every active
    member (viewers read)."""
    return _active(user)


def can_work_renewal(user: User, account: AccountFields) -> bool:
    """Set a renewal's stage and forecast call, and create or edit its closing plan: whoever
    may edit the account (its owner CSM, a manager of its team, an admin; never a viewer)."""
    return can_edit_account(user, account)


def can_sign_off_review(user: User, account: AccountFields) -> bool:
    """Sign off a closing plan's review: a manager of the account's team (or its owner's team)
    and admins. The CSM who wrote the plan does not review it."""
    return _has_role(user, Role.ADMIN, Role.MANAGER) and can_edit_account(user, account)


def can_edit_review_cadence(user: User | AnonymousUser) -> bool:
    """Keep the review cadence per touch model (lead days, plan required, from and every how
    many days): CS ops admins, who own the company's business settings."""
    return _has_role(user, Role.ADMIN)


def require_review_cadence_edit(user: User | AnonymousUser) -> None:
    if not can_edit_review_cadence(user):
        raise PermissionDenied


@dataclass(frozen=True)
class RenewalPermissions:
    """What one member may do on one renewal's page (``{% if renewal_perms.sign_off %}``)."""

    work: bool
    sign_off: bool


def renewal_permissions(user: User, account: AccountFields) -> RenewalPermissions:
    return RenewalPermissions(
        work=can_work_renewal(user, account), sign_off=can_sign_off_review(user, account)
    )


# --- renewals: the calibrated forecast ---------------------------------------------------


def can_view_renewal_forecast(user: User | AnonymousUser) -> bool:
    """Read the renewal forecast, its calibration and its backtest: every active member,
    CSMs included, whole. It is a company figure built from every renewal (as every member
    reads every account), and a CSM compares their calls with it."""
    return _active(user)


def require_renewal_forecast_view(user: User | AnonymousUser) -> None:
    if not can_view_renewal_forecast(user):
        raise PermissionDenied


# --- the two CS funnels: company figures per cohort, no account named ----------------------


def can_view_funnels(user: User | AnonymousUser) -> bool:
    """Read both CS funnels (page, CSV, API): every active member. Viewers, managers and
    admins read the company's figures; CSMs too, as they read the onboarding and revenue
    dashboards: the funnels name no account, and LayerX shares its funnels with the whole CS
    team so that everyone sees where accounts are lost."""
    return _active(user)


def require_funnels_view(user: User | AnonymousUser) -> None:
    if not can_view_funnels(user):
        raise PermissionDenied


# --- CSQLs (expansion leads handed to sales) ----------------------------------------------


class CsqlFields(Protocol):
    """What the CSQL rules read of a CSQL (``expansion.models.Csql``): who raised it and its
    sales owner (a member, or None when only a CRM user's name is given)."""

    @property
    def raised_by(self) -> User: ...

    @property
    def sales_owner_id(self) -> int | None: ...


def can_raise_csql(user: User | AnonymousUser, account: AccountFields) -> bool:
    """Raise a CSQL on an account: any active member who works accounts (a CSM, a manager, an
    admin) on any account they can see, which is every account; never a viewer."""
    return _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM)


def can_change_csql(user: User | AnonymousUser, csql: CsqlFields) -> bool:
    """Move a CSQL's state (accept, win, lose) or its sales owner: its sales owner (a member
    who is not a viewer), a manager of the raiser's team, an admin. The raiser alone may not:
    the hand-off is to sales, and the raiser's manager stands in for them."""
    if not _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM):
        return False
    if _has_role(user, Role.ADMIN) or csql.sales_owner_id == user.pk:
        return True
    team_id = csql.raised_by.team_id
    member: User = user  # type: ignore[assignment]
    return _has_role(user, Role.MANAGER) and team_id is not None and member.team_id == team_id


def can_own_csql(member: User) -> bool:
    """Whom a CSQL may be handed to as its sales owner: an active member who is not a viewer
    (a CRM user's name may be given instead)."""
    return _has_role(member, Role.ADMIN, Role.MANAGER, Role.CSM)


def csql_sales_owner_candidates() -> QuerySet[User]:
    """The members a CSQL may be handed to (``can_own_csql``), by team and username."""
    return task_owner_candidates()


def can_edit_expansion_settings(user: User | AnonymousUser) -> bool:
    """Change the attribution window: CS ops admins, like every company setting."""
    return _has_role(user, Role.ADMIN)


# --- feedback and feature requests (voice of the customer) ---------------------------------


def can_view_feedback(user: User | AnonymousUser) -> bool:
    """Read the feedback, the feature requests, their weights and requesting accounts: every
    active member (as every member reads every account; product managers read the voice of
    the customer too)."""
    return _active(user)


def can_log_feedback(user: User | AnonymousUser, account: AccountFields) -> bool:
    """Log what an account said (from a touchpoint, the account page or the API): whoever
    works the account, as for a touchpoint (``can_log_touchpoint``): its owner CSM, a manager
    of its team, an admin. Never a viewer; a CSM of another team does not log on it."""
    return _active(user) and can_edit_account(user, account)  # type: ignore[arg-type]


def can_create_feature_request(user: User | AnonymousUser) -> bool:
    """Open a feature request on a product (often while logging the feedback that asks for
    it): any active member who works accounts; never a viewer."""
    return _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM)


def _owns_product(user: User | AnonymousUser, product_owner_id: int | None) -> bool:
    if not _has_role(user, Role.ADMIN, Role.MANAGER, Role.CSM):
        return False
    return product_owner_id is not None and product_owner_id == user.pk


def can_decide_feature_request(user: User | AnonymousUser, *, product_owner_id: int | None) -> bool:
    """Move a feature request's status (plan, ship, decline): the product's owner (an active
    member who is not a viewer) and CS ops admins. The CSM who asked does not decide."""
    return _has_role(user, Role.ADMIN) or _owns_product(user, product_owner_id)


def can_edit_feature_request(
    user: User | AnonymousUser,
    *,
    product_owner_id: int | None,
    created_by_id: int | None,
    status: str,
) -> bool:
    """Correct a feature request's title, description or product: who may decide it, and
    its author while it is still new (before the product owner has looked at it)."""
    if can_decide_feature_request(user, product_owner_id=product_owner_id):
        return True
    return (
        status == "new"
        and created_by_id is not None
        and created_by_id == user.pk
        and can_create_feature_request(user)
    )


def can_link_feedback(
    user: User | AnonymousUser, account: AccountFields, *, product_owner_id: int | None
) -> bool:
    """Name (or change) the feature request a logged feedback asks for: whoever may log
    feedback on its account, and the owner of the request's product (who triages what
    reaches them), and admins."""
    return can_log_feedback(user, account) or can_decide_feature_request(
        user, product_owner_id=product_owner_id
    )


# --- churn reasons (解約理由) ----------------------------------------------------------------


def can_record_churn_reason(user: User | AnonymousUser, account: AccountFields) -> bool:
    """Record or correct why an account churned or a line was cancelled: whoever may edit the
    account (its owner CSM, a manager of its team, an admin; never a viewer)."""
    return _active(user) and can_edit_account(user, account)  # type: ignore[arg-type]


def can_view_churn_reasons(user: User | AnonymousUser) -> bool:
    """Read the reasons, the missing list and the report (page, CSV, API): every active member,
    as every member reads every account."""
    return _active(user)


def can_edit_churn_taxonomy(user: User | AnonymousUser) -> bool:
    """Add, rename, reorder and retire churn-reason categories: CS ops admins, who own the
    company's business settings."""
    return _has_role(user, Role.ADMIN)


def churn_reason_scope(user: User) -> WorkScope:
    """Whose churn events the missing list shows by default: a CSM their own accounts', a
    manager their team's, an admin or a viewer everyone's (``default_work_scope``)."""
    return default_work_scope(user)


# --- the monthly CS report (docs/monthly-report.md) -----------------------------------------


def can_view_monthly_report(user: User | AnonymousUser) -> bool:
    """Read the monthly CS report (page, PDF, API): managers, CS ops admins and viewers, who
    take it to the executive meeting. CSMs keep 今日 and the pages the report links to; the
    report names the company's largest risks and its saves, a leadership summary."""
    return _has_role(user, Role.ADMIN, Role.MANAGER, Role.VIEWER)


def can_edit_report_recipients(user: User | AnonymousUser) -> bool:
    """Set who receives the monthly report by e-mail and in which language: CS ops admins, who
    own the company's business settings."""
    return _has_role(user, Role.ADMIN)


# --- KPI home and targets ---------------------------------------------------------------


def can_view_kpis(user: User | AnonymousUser) -> bool:
    """Every active member opens the KPI home (a CSM's lands on 今日 but may look)."""
    return _active(user)


def can_view_kpi_cut(user: User, cut: str, value: str) -> bool:
    """Managers, admins and viewers see any cut; a CSM the company, the segments and their own
    figures (not a colleague's or another team's)."""
    if not _active(user):
        return False
    if not _has_role(user, Role.CSM):
        return True
    if cut == "csm":
        return value == user.username
    if cut == "team":
        return user.team is not None and value == user.team.code
    return True


def can_edit_kpi_targets(user: User | AnonymousUser) -> bool:
    """CS ops admins set the targets."""
    return _has_role(user, Role.ADMIN)


def default_kpi_cut(user: User) -> tuple[str, str]:
    """Whose figures the KPI home opens on: a CSM their own, a manager their team's, an admin
    or a viewer (an executive) the company's."""
    if _has_role(user, Role.CSM):
        return ("csm", user.username)
    if _has_role(user, Role.MANAGER) and user.team is not None:
        return ("team", user.team.code)
    return ("company", "")


# --- the organisation diagnosis (the KPI home's diagnosis page) ----------------------------


def can_view_diagnosis(user: User | AnonymousUser) -> bool:
    """Read the organisation diagnosis (page, API): managers, CS ops admins and viewers (the
    executives). CSMs keep 今日: the diagnosis judges the organisation, not their accounts."""
    return _has_role(user, Role.ADMIN, Role.MANAGER, Role.VIEWER)


def can_edit_diagnosis_settings(user: User | AnonymousUser) -> bool:
    """Edit the diagnosis rules' thresholds: CS ops admins, who own the business settings."""
    return _has_role(user, Role.ADMIN)
