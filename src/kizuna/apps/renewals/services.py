"""Writes of the renewals app.

``renewals_refresh`` derives every renewal from the subscription lines (kizuna.core.renewals)
and writes only what it derives: the lines and products due, the MRR due and after, the
outcome and the stage that follows from it. It never touches a closing plan, a forecast call
or a stage a person set on an open renewal. A renewal the lines no longer produce is deleted
when nobody worked on it, otherwise kept and marked *no longer due* (docs/renewals.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record, audited_save, model_snapshot, snapshot_diff
from kizuna.apps.customers.models import Account
from kizuna.apps.org.access import (
    can_sign_off_review,
    can_work_renewal,
    require_review_cadence_edit,
    task_owner_candidates,
)
from kizuna.apps.org.models import User
from kizuna.apps.renewals.models import (
    CLOSED_STAGES,
    OPEN_STAGES,
    ClosingPlan,
    ForecastCall,
    PlanReview,
    PlanStep,
    RefreshRun,
    Renewal,
    ReviewCadence,
    Stage,
)
from kizuna.apps.renewals.selectors import DEFAULT_CADENCES, cadences, renewing_lines
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import add_years
from kizuna.core.renewals.cadence import next_review_after
from kizuna.core.renewals.generate import Renewal as CoreRenewal
from kizuna.core.renewals.generate import accounts_with_events, renewals_from_lines
from kizuna.db.bulk import bulk_insert, bulk_update_rows
from kizuna.db.rows import plain_rows

#: past renewals are kept this many years back: the history the forecast is calibrated on
HISTORY_YEARS = 6
_DERIVED = (
    "line_ids", "products", "mrr_due", "mrr_after", "outcome", "stage", "no_longer_due", "derived"
)  # fmt: skip
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RefreshResult:
    created: int
    updated: int
    unchanged: int
    deleted: int
    no_longer_due: int


def renewals_refresh(
    *, today: dt.date | None = None, account_ids: Collection[int] | None = None
) -> RefreshResult:
    """Derive the renewals of every account (or of ``account_ids``) from their lines and write
    the difference. Idempotent: a second run with the same lines changes nothing."""
    today = today or tenant_today()
    since = add_years(today, -HISTORY_YEARS)
    lines = renewing_lines(account_ids)
    derived = renewals_from_lines(
        lines, today=today, lead_days=_lead_days(account_ids), since=since
    )
    with transaction.atomic():
        existing = _existing(since, account_ids)
        planned = _with_plans(since, account_ids)
        now = timezone.now()
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        unchanged = 0
        for renewal in derived:
            digest = derived_text(renewal)
            row = existing.pop((renewal.account_id, renewal.date), None)
            if row is None:
                stage = renewal.outcome or Stage.NOT_STARTED
                inserts.append(
                    (
                        renewal.account_id,
                        renewal.date,
                        list(renewal.line_ids),
                        list(renewal.products),
                        renewal.mrr_due,
                        renewal.mrr_after,
                        renewal.outcome or "",
                        stage,
                        "",
                        False,
                        digest,
                        now,
                        now,
                        now,
                    )
                )
                continue
            stage = _stage(renewal.outcome, row.stage, has_plan=row.pk in planned)
            if digest == row.derived and stage == row.stage and not row.no_longer_due:
                unchanged += 1
                continue
            updates.append(
                (
                    list(renewal.line_ids),
                    list(renewal.products),
                    renewal.mrr_due,
                    renewal.mrr_after,
                    renewal.outcome or "",
                    stage,
                    False,
                    digest,
                    now,
                    now,
                    row.pk,
                )
            )
        deleted, marked = _gone(existing, planned, now)
        if inserts:
            bulk_insert(
                Renewal,
                (
                    "account_id", "date", "line_ids", "products", "mrr_due", "mrr_after",
                    "outcome", "stage", "forecast_call", "no_longer_due", "derived",
                    "created_at", "refreshed_at", "updated_at",
                ),
                inserts,
            )  # fmt: skip
        if updates:
            bulk_update_rows(Renewal, (*_DERIVED, "refreshed_at", "updated_at"), updates)
    return RefreshResult(
        created=len(inserts),
        updated=len(updates),
        unchanged=unchanged,
        deleted=deleted,
        no_longer_due=marked,
    )


#: the daily refresh derives every account again at least this often (an account's touch model
#: may have changed, and with it how far ahead its renewals are created)
FULL_EVERY_DAYS = 7


def renewals_refresh_daily(*, today: dt.date) -> tuple[RefreshRun, RefreshResult]:
    """The daily job's refresh: every account when the last full run is more than
    ``FULL_EVERY_DAYS`` old (or none), a review cadence changed since, or the last run is not
    of an earlier day in that week; otherwise only the accounts whose renewals move from the
    last run's day to ``today`` (``core.renewals.generate.accounts_with_events``). Changed
    lines refresh their accounts when they are written (``renewals.receivers``), so the lines
    are the same as at the last run. Recorded as a ``RefreshRun``."""
    started = timezone.now()
    last = RefreshRun.objects.filter(day__lt=today).order_by("-day", "-started_at").first()
    last_full = RefreshRun.objects.filter(full=True, day__lte=today).order_by("-started_at").first()
    changed_cadence = (
        last_full is not None
        and ReviewCadence.objects.filter(updated_at__gt=last_full.started_at).exists()
    )
    full = (
        last is None
        or last_full is None
        or (today - last_full.day).days >= FULL_EVERY_DAYS
        or changed_cadence
        or (today - last.day).days >= FULL_EVERY_DAYS
    )
    accounts: set[int] | None = None
    if full:
        result = renewals_refresh(today=today)
    else:
        assert last is not None
        accounts = accounts_with_events(
            renewing_lines(running_after=last.day),  # an ended line has no boundary after
            after=last.day,
            through=today,
            lead_days=_lead_days(None),
        )
        result = (
            renewals_refresh(today=today, account_ids=accounts)
            if accounts
            else RefreshResult(0, 0, 0, 0, 0)
        )
    run = RefreshRun.objects.create(
        day=today,
        full=full,
        accounts=None if accounts is None else len(accounts),
        created=result.created,
        updated=result.updated,
        deleted=result.deleted,
        started_at=started,
        finished_at=timezone.now(),
    )
    return run, result


def _lead_days(account_ids: Collection[int] | None) -> Callable[[int], int]:
    """How many days ahead each account's renewals are created: its touch model's cadence
    (stored or default), read once for every account (or ``account_ids``)."""
    by_segment = cadences()
    accounts = Account.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    segment_of = dict(accounts.values_list("pk", "segment"))
    default = DEFAULT_CADENCES["high"]
    return lambda account_id: by_segment.get(segment_of.get(account_id, ""), default).lead_days


def derived_text(renewal: CoreRenewal) -> str:
    """The derived values of a renewal as one text (``Renewal.derived``): equal texts, equal
    values."""
    after = "" if renewal.mrr_after is None else renewal.mrr_after
    return (
        f"{','.join(map(str, renewal.line_ids))}|{','.join(map(str, renewal.products))}"
        f"|{renewal.mrr_due}|{after}|{renewal.outcome or ''}"
    )


def _stage(outcome: str | None, stored: str, *, has_plan: bool) -> str:
    """The stage after a refresh: the outcome once the date has come; a stage a person set
    stays; an outcome that went away (the date moved on) opens the renewal again."""
    if outcome:
        return outcome
    if stored in CLOSED_STAGES:
        return Stage.PLAN_DRAFTED if has_plan else Stage.NOT_STARTED
    return stored


class _Stored(NamedTuple):
    pk: int
    derived: str
    stage: str
    no_longer_due: bool
    forecast_call: str


def _existing(
    since: dt.date, account_ids: Collection[int] | None
) -> dict[tuple[int, dt.date], _Stored]:
    """The stored renewals from ``since`` on, by (account, date): what the refresh compares
    (the derived text, not the JSON columns)."""
    rows = Renewal.objects.filter(date__gte=since)
    if account_ids is not None:
        rows = rows.filter(account_id__in=list(account_ids))
    return {
        (account_id, day): _Stored(pk, derived, stage, no_longer_due, call)
        for pk, account_id, day, derived, stage, no_longer_due, call in plain_rows(
            rows.values_list(
                "pk", "account_id", "date", "derived", "stage", "no_longer_due", "forecast_call"
            )
        )
    }


def _with_plans(since: dt.date, account_ids: Collection[int] | None) -> set[int]:
    plans = ClosingPlan.objects.filter(renewal__date__gte=since)
    if account_ids is not None:
        plans = plans.filter(renewal__account_id__in=list(account_ids))
    return set(plans.values_list("renewal_id", flat=True))


def _gone(
    rows: dict[tuple[int, dt.date], _Stored], planned: set[int], now: dt.datetime
) -> tuple[int, int]:
    """Renewals the lines no longer produce: deleted when untouched, else marked."""
    delete: list[int] = []
    mark: list[int] = []
    for row in rows.values():
        touched = (
            row.pk in planned
            or row.forecast_call
            or row.stage not in (Stage.NOT_STARTED, *CLOSED_STAGES)
        )
        if touched:
            if not row.no_longer_due:
                mark.append(row.pk)
        else:
            delete.append(row.pk)
    for start in range(0, len(delete), _CHUNK):
        Renewal.objects.filter(pk__in=delete[start : start + _CHUNK]).delete()
    for start in range(0, len(mark), _CHUNK):
        Renewal.objects.filter(pk__in=mark[start : start + _CHUNK]).update(
            no_longer_due=True, refreshed_at=now, updated_at=now
        )
    return len(delete), len(mark)


# --- people's work: stage, forecast call, closing plan, review sign-off -----------------

#: a closing plan has at most this many steps
MAX_STEPS = 50
#: the dates a plan, a step or a review may carry: anything else is a typo or a probe
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
PLAN_FIELDS = ("risks", "decision_maker", "decision_process", "next_review_on")
_TEXT_LIMITS = {"risks": 4000, "decision_maker": 200, "decision_process": 4000, "note": 4000}


def _invalid(field: str, message: Any, code: str) -> ValidationError:
    """A ``ValidationError`` on ``field`` carrying ``code`` (the API's machine-readable reason)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _clean_text(field: str, value: object) -> str:
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise _invalid(field, _("Null characters are not allowed."), "null_characters_not_allowed")
    text = text.strip()
    limit = _TEXT_LIMITS.get(field, 200)
    if len(text) > limit:
        raise _invalid(field, _("At most %(n)s characters.") % {"n": limit}, "max_length")
    return text


def _clean_day(field: str, value: object, *, required: bool = False) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise _invalid(field, _("This field is required."), "required")
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _invalid(field, _("Enter a valid date."), "invalid")
    if not FIRST_DAY <= value <= LAST_DAY:
        raise _invalid(field, _("Give a date from 2000 to 2099."), "out_of_range")
    return value


def _locked(renewal: Renewal) -> Renewal:
    return (
        Renewal.objects.select_for_update(of=("self",))
        .select_related("account__owner")
        .get(pk=renewal.pk)
    )


def _require_open(renewal: Renewal) -> None:
    if not renewal.is_open:
        raise _invalid(
            "stage",
            _("This renewal is closed: its stage follows from the subscription lines."),
            "closed",
        )


def _record(
    actor: User,
    renewal: Renewal,
    instance: Any,
    changes: dict[str, Any],
    via: str,
    *,
    created: bool = False,
) -> None:
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            instance=instance,
            account_id=renewal.account_id,
            changes=changes,
            via=via,
        )


@transaction.atomic
def renewal_set_stage(*, actor: User, renewal: Renewal, stage: str, via: str = "web") -> Renewal:
    """Move an open renewal to one of the stages people set (not started, plan drafted, in
    negotiation, committed). Renewed, downgraded and churned follow from the lines only."""
    renewal = _locked(renewal)
    if not can_work_renewal(actor, renewal.account):
        raise PermissionDenied
    if stage not in OPEN_STAGES:
        raise _invalid(
            "stage",
            _("Choose not started, plan drafted, in negotiation or committed."),
            "invalid_choice",
        )
    _require_open(renewal)
    before = renewal.stage
    if before != stage:
        renewal.stage = stage
        renewal.save(update_fields=["stage", "updated_at"])
        _record(actor, renewal, renewal, {"stage": [before, stage]}, via)
    return renewal


@transaction.atomic
def renewal_set_call(*, actor: User, renewal: Renewal, call: str, via: str = "web") -> Renewal:
    """Set (or clear, with "") the CSM's forecast call of an open renewal."""
    renewal = _locked(renewal)
    if not can_work_renewal(actor, renewal.account):
        raise PermissionDenied
    if call not in {"", *ForecastCall.values}:
        raise _invalid(
            "forecast_call", _("Choose commit, likely, at risk or lost."), "invalid_choice"
        )
    _require_open(renewal)
    before = renewal.forecast_call
    if before != call:
        renewal.forecast_call = call
        renewal.save(update_fields=["forecast_call", "updated_at"])
        _record(actor, renewal, renewal, {"forecast_call": [before, call]}, via)
    return renewal


def _clean_steps(steps: Sequence[Mapping[str, Any]]) -> list[PlanStep]:
    """The steps as unsaved rows, numbered in the order given; each checked."""
    if len(steps) > MAX_STEPS:
        raise _invalid(
            "steps", _("A closing plan has at most %(n)s steps.") % {"n": MAX_STEPS}, "too_many"
        )
    owner_ids = {s.get("owner_id") for s in steps if s.get("owner_id") is not None}
    owners = {
        u.pk: u
        for u in task_owner_candidates().filter(
            pk__in=[
                pk
                for pk in owner_ids
                if isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk < 2**63
            ]
        )
    }
    rows: list[PlanStep] = []
    for n, data in enumerate(steps, start=1):
        try:
            title = _clean_text("title", data.get("title"))
            if not title:
                raise _invalid("title", _("This field is required."), "required")
            owner_id = data.get("owner_id")
            if owner_id is not None and owner_id not in owners:
                raise _invalid("owner_id", _("Choose an active member."), "invalid_choice")
            due_on = _clean_day("due_on", data.get("due_on"))
            done_on = _clean_day("done_on", data.get("done_on"))
        except ValidationError as error:
            messages = [m for ms in error.message_dict.values() for m in ms]
            raise _invalid(
                "steps",
                [_("Step %(n)s: %(error)s") % {"n": n, "error": m} for m in messages],
                "invalid",
            ) from None
        rows.append(
            PlanStep(order=n, title=title, owner_id=owner_id, due_on=due_on, done_on=done_on)
        )
    return rows


def _steps_snapshot(rows: Sequence[PlanStep]) -> list[dict[str, Any]]:
    return [
        {
            "title": row.title,
            "owner_id": row.owner_id,
            "due_on": row.due_on.isoformat() if row.due_on else None,
            "done_on": row.done_on.isoformat() if row.done_on else None,
        }
        for row in rows
    ]


@transaction.atomic
def plan_save(
    *,
    actor: User,
    renewal: Renewal,
    risks: str = "",
    decision_maker: str = "",
    decision_process: str = "",
    next_review_on: dt.date | None = None,
    steps: Sequence[Mapping[str, Any]] = (),
    via: str = "web",
) -> ClosingPlan:
    """Create or replace the closing plan of an open renewal with its steps (each: title,
    owner_id, due_on, done_on; kept in the order given). Saving the first plan moves a renewal
    *not started* to *plan drafted*."""
    renewal = _locked(renewal)
    if not can_work_renewal(actor, renewal.account):
        raise PermissionDenied
    _require_open(renewal)
    values = {
        "risks": _clean_text("risks", risks),
        "decision_maker": _clean_text("decision_maker", decision_maker),
        "decision_process": _clean_text("decision_process", decision_process),
        "next_review_on": _clean_day("next_review_on", next_review_on),
    }
    rows = _clean_steps(steps)
    plan = ClosingPlan.objects.filter(renewal=renewal).first()
    created = plan is None
    if plan is None:
        plan = ClosingPlan(renewal=renewal, created_by=actor)
        before: dict[str, Any] = dict.fromkeys([*PLAN_FIELDS, "steps"])
        before["steps"] = []
    else:
        before = model_snapshot(plan, list(PLAN_FIELDS))
        before["steps"] = _steps_snapshot(list(plan.steps.all()))
    for field, value in values.items():
        setattr(plan, field, value)
    plan.save()
    plan.steps.all().delete()
    for row in rows:
        row.plan = plan
    PlanStep.objects.bulk_create(rows)
    after = {**model_snapshot(plan, list(PLAN_FIELDS)), "steps": _steps_snapshot(rows)}
    changes = snapshot_diff(before, after)
    _record(actor, renewal, plan, changes, via, created=created)
    if renewal.stage == Stage.NOT_STARTED:
        renewal.stage = Stage.PLAN_DRAFTED
        renewal.save(update_fields=["stage", "updated_at"])
        _record(actor, renewal, renewal, {"stage": [Stage.NOT_STARTED, Stage.PLAN_DRAFTED]}, via)
    return plan


@transaction.atomic
def review_sign_off(
    *,
    actor: User,
    renewal: Renewal,
    note: str = "",
    reviewed_on: dt.date | None = None,
    via: str = "web",
) -> PlanReview:
    """A manager of the account's team (or an admin) signs off the review of the renewal's
    closing plan on ``reviewed_on`` (default: today; never in the future). The plan's next
    review moves to one cadence later (the account's touch model), never after the renewal
    date (``core.renewals.cadence.next_review_after``)."""
    renewal = _locked(renewal)
    if not can_sign_off_review(actor, renewal.account):
        raise PermissionDenied
    _require_open(renewal)
    plan = ClosingPlan.objects.select_for_update().filter(renewal=renewal).first()
    if plan is None:
        raise _invalid("plan", _("This renewal has no closing plan to review."), "no_plan")
    today = tenant_today()
    day = _clean_day("reviewed_on", reviewed_on) or today
    if day > today:
        raise _invalid("reviewed_on", _("A review cannot be signed off ahead."), "future")
    text = _clean_text("note", note)
    review = PlanReview.objects.create(plan=plan, reviewed_on=day, reviewed_by=actor, note=text)
    cadence = cadences().get(renewal.account.segment, DEFAULT_CADENCES["high"])
    following = next_review_after(day, renewal.date, cadence)
    before = plan.next_review_on
    plan.next_review_on = following
    plan.save(update_fields=["next_review_on", "updated_at"])
    _record(
        actor,
        renewal,
        review,
        {"reviewed_on": [None, day.isoformat()], "note": [None, text]},
        via,
        created=True,
    )
    if before != following:
        _record(
            actor,
            renewal,
            plan,
            {"next_review_on": [before.isoformat() if before else None, following.isoformat()]},
            via,
        )
    return review


@transaction.atomic
def cadence_save(
    *,
    actor: User,
    segment: str,
    lead_days: int,
    plan_required: bool,
    plan_from_days: int,
    review_every_days: int,
    via: str = "web",
) -> ReviewCadence:
    """Store one touch model's review cadence (admins; audited). New lead days take effect at
    the next refresh."""
    require_review_cadence_edit(actor)
    row = ReviewCadence.objects.filter(segment=segment).first()
    before = None if row is None else model_snapshot(row, list(CADENCE_FIELDS))
    row = row or ReviewCadence(segment=segment)
    row.lead_days, row.plan_required = lead_days, plan_required
    row.plan_from_days, row.review_every_days = plan_from_days, review_every_days
    audited_save(row, actor=actor, fields=list(CADENCE_FIELDS), before=before, via=via)
    return row


CADENCE_FIELDS = ("segment", "lead_days", "plan_required", "plan_from_days", "review_every_days")
