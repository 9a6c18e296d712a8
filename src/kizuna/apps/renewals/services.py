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
from typing import Any

import polars as pl
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
from kizuna.apps.renewals.selectors import (
    DEFAULT_CADENCES,
    cadences,
    renewing_line_frame,
    renewing_lines,
)
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import add_years
from kizuna.core.renewals.cadence import next_review_after
from kizuna.core.renewals.frames import renewals_frame
from kizuna.core.renewals.generate import accounts_with_events
from kizuna.db.bulk import bulk_insert, bulk_update_rows, db_value
from kizuna.db.rows import plain_frame

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
    the difference. Idempotent: a second run with the same lines changes nothing.

    Columnar (docs/renewals.md, *When renewals are refreshed*): the lines are read as one
    frame and derived by ``core.renewals.frames``; the stored renewals are read as another
    and joined on (account, date); new ones are inserted in one prepared statement with their
    values as the database takes them, changed ones updated, the rest left alone."""
    today = today or tenant_today()
    since = add_years(today, -HISTORY_YEARS)
    derived = renewals_frame(
        renewing_line_frame(account_ids),
        today=today,
        lead_days=_lead_frame(account_ids),
        since=since,
    ).with_columns(_DIGEST.alias("digest"))
    with transaction.atomic():
        stored = _existing(since, account_ids)
        planned = _with_plans(since, account_ids)
        now = timezone.now()
        joined = derived.join(stored, on=["account_id", "date"], how="full", coalesce=True)
        # in the order of the unique (account, date) index: inserted in order, not at random
        new = joined.filter(pl.col("pk").is_null()).sort("account_id", "date")
        kept = joined.filter(pl.col("pk").is_not_null() & pl.col("digest").is_not_null())
        kept = kept.with_columns(_stage_expr(planned).alias("new_stage"))
        changed = kept.filter(
            (pl.col("digest") != pl.col("derived"))
            | (pl.col("new_stage") != pl.col("stage"))
            | pl.col("no_longer_due")
        )
        gone = joined.filter(pl.col("digest").is_null())
        deleted, marked = _gone(gone, planned, now)
        if new.height:
            _insert(new, now)
        if changed.height:
            updates = changed.select(
                "line_ids", "products", "mrr_due", "mrr_after", pl.col("outcome").fill_null(""),
                "new_stage", "digest", "pk",
            )  # fmt: skip
            rows = (
                (ids, products, due, after, outcome, stage, False, digest, now, now, pk)
                for ids, products, due, after, outcome, stage, digest, pk in updates.iter_rows()
            )
            bulk_update_rows(Renewal, (*_DERIVED, "refreshed_at", "updated_at"), rows)
    return RefreshResult(
        created=new.height,
        updated=changed.height,
        unchanged=kept.height - changed.height,
        deleted=deleted,
        no_longer_due=marked,
    )


_INSERTED = (
    "account_id", "date", "line_ids", "products", "mrr_due", "mrr_after", "outcome", "stage",
    "forecast_call", "no_longer_due", "derived", "created_at", "refreshed_at", "updated_at",
)  # fmt: skip


def _insert(new: pl.DataFrame, now: dt.datetime) -> None:
    """Insert the new renewals of ``new`` (a frame of ``core.renewals.frames.RENEWALS`` and
    ``digest``) with one prepared statement, every value as the database takes it: the JSON
    lists as ``json.dumps`` writes them, the date as its ISO text, ``now`` prepared once."""
    instant = db_value(Renewal, "updated_at", now)
    values = new.select(
        "account_id",
        pl.col("date").dt.to_string("%Y-%m-%d"),
        _json_list("line_ids"),
        _json_list("products"),
        "mrr_due",
        "mrr_after",
        pl.col("outcome").fill_null("").alias("outcome"),
        pl.col("outcome").fill_null(Stage.NOT_STARTED.value).alias("stage"),
        pl.lit("").alias("forecast_call"),
        pl.lit(False).alias("no_longer_due"),
        "digest",
    )
    rows = ((*row, instant, instant, instant) for row in values.iter_rows())
    bulk_insert(Renewal, _INSERTED, rows, prepared=True)


def _json_list(column: str) -> pl.Expr:
    """A list of integers as ``json.dumps`` writes it (``[1, 2]``)."""
    items = pl.col(column).list.eval(pl.element().cast(pl.Utf8)).list.join(", ")
    return pl.concat_str(pl.lit("["), items, pl.lit("]")).alias(column)


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
            lead_days=_lead_days(),
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


def _lead_days() -> Callable[[int], int]:
    """``_lead_frame`` of every account as a function of the account id (an account not read
    has the default cadence's lead)."""
    leads: dict[int, int] = dict(_lead_frame(None).iter_rows())
    default = DEFAULT_CADENCES["high"].lead_days
    return lambda account_id: leads.get(account_id, default)


def _lead_frame(account_ids: Collection[int] | None) -> pl.DataFrame:
    """How many days ahead each account's renewals are created (``core.renewals.frames.LEADS``),
    for every account (or ``account_ids``): its touch model's cadence, stored or default."""
    by_segment = cadences()
    default = DEFAULT_CADENCES["high"]
    accounts = Account.objects.order_by()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    segments = plain_frame(accounts.values_list("pk", "segment"), _SEGMENTS)
    leads = {segment: cadence.lead_days for segment, cadence in by_segment.items()}
    lead = pl.col("segment").replace_strict(leads, default=default.lead_days, return_dtype=pl.Int64)
    return segments.select("account_id", lead.alias("lead_days"))


_SEGMENTS = {"account_id": pl.Int64, "segment": pl.Utf8}

#: the derived values of a renewal (``core.renewals.frames.RENEWALS``) as one text
#: (``Renewal.derived``): the line ids and products joined by commas, the MRR due and after
#: (empty while to come) and the outcome, joined by bars. Equal texts, equal values.
_DIGEST = pl.concat_str(
    pl.col("line_ids").list.eval(pl.element().cast(pl.Utf8)).list.join(","),
    pl.col("products").list.eval(pl.element().cast(pl.Utf8)).list.join(","),
    pl.col("mrr_due").cast(pl.Utf8),
    pl.col("mrr_after").cast(pl.Utf8).fill_null(""),
    pl.col("outcome").fill_null(""),
    separator="|",
)


def _stage_expr(planned: set[int]) -> pl.Expr:
    """The stage after a refresh: the outcome once the date has come; a stage a person set
    stays; an outcome that went away (the date moved on) opens the renewal again (planned
    when it has a plan)."""
    reopened = (
        pl.when(pl.col("pk").is_in(list(planned)))
        .then(pl.lit(Stage.PLAN_DRAFTED.value))
        .otherwise(pl.lit(Stage.NOT_STARTED.value))
    )
    closed = pl.col("stage").is_in([s.value for s in CLOSED_STAGES])
    return (
        pl.when(pl.col("outcome").is_not_null() & (pl.col("outcome") != ""))
        .then(pl.col("outcome"))
        .when(closed)
        .then(reopened)
        .otherwise(pl.col("stage"))
    )


_STORED = {
    "pk": pl.Int64,
    "account_id": pl.Int64,
    "date": pl.Date,
    "derived": pl.Utf8,
    "stage": pl.Utf8,
    "no_longer_due": pl.Boolean,
    "forecast_call": pl.Utf8,
}


def _existing(since: dt.date, account_ids: Collection[int] | None) -> pl.DataFrame:
    """The stored renewals from ``since`` on: what the refresh compares (the derived text,
    not the JSON columns)."""
    rows = Renewal.objects.filter(date__gte=since).order_by()
    if account_ids is not None:
        rows = rows.filter(account_id__in=list(account_ids))
    return plain_frame(rows.values_list(*_STORED), _STORED)


def _with_plans(since: dt.date, account_ids: Collection[int] | None) -> set[int]:
    plans = ClosingPlan.objects.filter(renewal__date__gte=since)
    if account_ids is not None:
        plans = plans.filter(renewal__account_id__in=list(account_ids))
    return set(plans.values_list("renewal_id", flat=True))


def _gone(rows: pl.DataFrame, planned: set[int], now: dt.datetime) -> tuple[int, int]:
    """Renewals the lines no longer produce (``rows``: ``_STORED``): deleted when untouched,
    else marked."""
    delete: list[int] = []
    mark: list[int] = []
    for pk, stage, no_longer_due, call in rows.select(
        "pk", "stage", "no_longer_due", "forecast_call"
    ).iter_rows():
        touched = pk in planned or call or stage not in (Stage.NOT_STARTED, *CLOSED_STAGES)
        if touched:
            if not no_longer_due:
                mark.append(pk)
        else:
            delete.append(pk)
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
