"""Health writes: score models (draft → published), the daily scoring job, CSM sentiment;
and the backtest of a model over Kizuna's own history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.customers.services import accounts_mark_health_stale
from kizuna.apps.health.frames import expansion_starts, input_frames, outcomes
from kizuna.apps.health.models import (
    SCORED_PHASES,
    HealthScore,
    ModelStatus,
    ScoreModelVersion,
    Sentiment,
    StoredBacktest,
)
from kizuna.apps.health.selectors import latest_score_day
from kizuna.apps.notify.events import HEALTH_GRADE_CHANGED, account_ref
from kizuna.apps.notify.selectors import event_subscribed
from kizuna.apps.notify.services import emit_event
from kizuna.apps.org.access import can_manage_tenant, can_record_sentiment
from kizuna.apps.org.models import User
from kizuna.core.health.backtest import (
    BacktestResult,
    GradeRate,
    VocEffect,
    backtest,
    check_no_leakage,
    labelled,
    prediction_days,
    voc_effect,
)
from kizuna.core.health.inputs import inputs_over
from kizuna.core.health.model import Component, ScoreModel, score
from kizuna.core.health.suggest import Suggestion, suggest_weights
from kizuna.db.bulk import bulk_insert

log = logging.getLogger("kizuna.health")


@transaction.atomic
def score_model_create(
    *, actor: User | None, name: str, phase: str, segment: str, spec: dict[str, Any], note: str = ""
) -> ScoreModelVersion:
    """A new draft version of the model ``name`` (the next number)."""
    if actor is not None and not can_manage_tenant(actor):
        raise PermissionDenied
    try:
        ScoreModel.from_dict(spec)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    latest = ScoreModelVersion.objects.filter(name=name).aggregate(v=Max("version"))["v"] or 0
    return ScoreModelVersion.objects.create(
        name=name,
        version=latest + 1,
        phase=phase,
        segment=segment,
        spec=spec,
        note=note,
        created_by=actor,
    )


def score_model_draft_create(
    *, actor: User, base: ScoreModelVersion, segment: str, spec: dict[str, Any], note: str = ""
) -> ScoreModelVersion:
    """Save an edited copy of ``base`` as a draft of its phase: the next version of ``base``'s
    model when it keeps ``base``'s touch model, else of the model named after the phase and
    the touch model (``adoption-high``; ``adoption-all`` for every touch model)."""
    name = base.name if segment == base.segment else f"{base.phase}-{segment or 'all'}"
    return score_model_create(
        actor=actor, name=name, phase=base.phase, segment=segment, spec=spec, note=note
    )


@transaction.atomic
def score_model_publish(*, actor: User | None, model: ScoreModelVersion) -> ScoreModelVersion:
    """Publish a draft: it scores its phase (and touch model) from the next run on; the
    version it replaces is retired. Scores already kept are never touched."""
    if actor is not None and not can_manage_tenant(actor):
        raise PermissionDenied
    if model.status != ModelStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    ScoreModelVersion.objects.filter(
        phase=model.phase, segment=model.segment, status=ModelStatus.PUBLISHED
    ).update(status=ModelStatus.RETIRED)
    model.status = ModelStatus.PUBLISHED
    model.published_at = timezone.now()
    model.save(update_fields=["status", "published_at"])
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=model,
            account_id=None,
            changes={"status": [ModelStatus.DRAFT, ModelStatus.PUBLISHED]},
        )
    return model


def published_models() -> dict[tuple[str, str], ScoreModelVersion]:
    return {
        (m.phase, m.segment): m
        for m in ScoreModelVersion.objects.filter(status=ModelStatus.PUBLISHED)
    }


def _model_for(
    phase: str, segment: str, models: dict[tuple[str, str], ScoreModelVersion]
) -> ScoreModelVersion | None:
    phase = phase if phase in SCORED_PHASES else Phase.ADOPTION
    return models.get((phase, segment)) or models.get((phase, ""))


@transaction.atomic
def health_scores_refresh(*, day: dt.date) -> int:
    """Score every account active on ``day`` with the published model of its phase and touch
    model; replaces that day's scores only (idempotent). Returns the accounts scored. Grade
    changes are told to the webhook endpoints (``_grade_changes_emit``)."""
    watch = event_subscribed(HEALTH_GRADE_CHANGED)
    stored = _grades(day=day) if watch else {}
    count = health_scores_refresh_days(days=[day])
    if watch:
        _grade_changes_emit(day=day, stored=stored)
    return count


def _grades(*, day: dt.date, account_ids: list[int] | None = None) -> dict[int, int | None]:
    rows = HealthScore.objects.filter(day=day)
    if account_ids is not None:
        rows = rows.filter(account_id__in=account_ids)
    return dict(rows.values_list("account_id", "grade"))


def _grade_changes_emit(
    *, day: dt.date, stored: dict[int, int | None], account_ids: list[int] | None = None
) -> int:
    """Emit ``health.grade_changed`` for each account whose grade on ``day`` differs from its
    grade the day before, unless ``stored`` (its grade of ``day`` before this scoring) already
    had it: a rerun, or the daily run after a rescore, tells nothing twice. An account without
    a grade on either day is skipped. Returns the events emitted."""
    try:
        before = _grades(day=day - dt.timedelta(days=1), account_ids=account_ids)
    except OverflowError:
        return 0
    now = HealthScore.objects.filter(day=day).select_related("account")
    if account_ids is not None:
        now = now.filter(account_id__in=account_ids)
    emitted = 0
    for row in now.order_by("account_id"):
        was = before.get(row.account_id)
        if was is None or row.grade is None or row.grade == was:
            continue
        if stored.get(row.account_id) == row.grade:
            continue
        score_value = None if row.score is None or math.isnan(row.score) else round(row.score, 1)
        data = {"account": account_ref(row.account), "day": day.isoformat(), "from": was,
                "to": row.grade, "score": score_value}  # fmt: skip
        emit_event(event_type=HEALTH_GRADE_CHANGED, data=data)
        emitted += 1
    return emitted


@transaction.atomic
def health_scores_refresh_days(*, days: list[dt.date], account_ids: list[int] | None = None) -> int:
    """``health_scores_refresh`` for several days, reading the data once (a back-fill), of the
    accounts ``account_ids`` only when given (their rows of those days are replaced). The
    current phase and touch model of each account choose its model for every day."""
    rows = _scored_rows(days=days, account_ids=account_ids)
    if rows is None:
        return 0
    replaced = HealthScore.objects.filter(day__in=days)
    if account_ids is not None:
        replaced = replaced.filter(account_id__in=account_ids)
    replaced.delete()
    return _insert_scores(rows)


#: the columns of a score row written by ``_insert_scores``
_SCORE_FIELDS = (
    "account_id", "day", "model_id", "score", "rag", "grade", "forced_red", "points", "inputs",
    "scored_at",
)  # fmt: skip


def _insert_scores(rows: list[HealthScore]) -> int:
    """Insert unsaved scores with one prepared statement (``bulk_insert``): ``bulk_create``
    spent four fifths of a back-fill building the SQL of its batches."""
    return bulk_insert(
        HealthScore,
        _SCORE_FIELDS,
        ([getattr(row, name) for name in _SCORE_FIELDS] for row in rows),
    )


def _scored_rows(*, days: list[dt.date], account_ids: list[int] | None) -> list[HealthScore] | None:
    """Unsaved scores of ``days`` (of ``account_ids`` only, when given); None when there is
    no published model or no day."""
    models = published_models()
    if not models or not days:
        return None
    frames = input_frames(first=min(days), last=max(days), account_ids=account_ids)
    inputs = inputs_over(sorted(days), **frames)
    chosen_from = Account.objects.all()
    if account_ids is not None:
        chosen_from = chosen_from.filter(pk__in=account_ids)
    accounts = {
        pk: (phase, segment)
        for pk, phase, segment in chosen_from.values_list("pk", "phase", "segment")
    }
    groups: dict[int, set[int]] = {}
    for account_id in inputs["account_id"].unique().to_list():
        phase, segment = accounts.get(account_id, ("adoption", ""))
        chosen = _model_for(phase, segment, models)
        if chosen is not None:
            groups.setdefault(chosen.pk, set()).add(account_id)
    by_pk = {m.pk: m for m in models.values()}
    rows: list[HealthScore] = []
    for pk, ids in groups.items():
        model = by_pk[pk]
        core = model.as_core()
        scored = score(inputs.filter(pl.col("account_id").is_in(list(ids))), core)
        rows += [
            HealthScore(
                account_id=row["account_id"],
                day=row["as_of"],
                model=model,
                score=row["score"],
                rag=row["rag"] or "",
                grade=row["grade"],
                forced_red=bool(row["forced_red"]),
                points={c.key: row[f"points_{c.key}"] for c in core.components},
                inputs={name: _plain(row[name]) for name in core.inputs},
            )
            for row in scored.iter_rows(named=True)
        ]
    return rows


@transaction.atomic
def health_scores_rescore(*, day: dt.date, account_ids: list[int]) -> int:
    """Score the accounts ``account_ids`` for ``day`` again from the data as it is now,
    replacing their rows of that day only (an account no longer active loses its row, as in
    the daily run). Returns the accounts scored."""
    rows = _scored_rows(days=[day], account_ids=account_ids)
    if rows is None:
        return 0
    watch = event_subscribed(HEALTH_GRADE_CHANGED)
    stored = _grades(day=day, account_ids=account_ids) if watch else {}
    HealthScore.objects.filter(day=day, account_id__in=account_ids).delete()
    count = _insert_scores(rows)
    if watch:
        _grade_changes_emit(day=day, stored=stored, account_ids=account_ids)
    return count


def health_scores_rescore_marked(*, today: dt.date, limit: int = 500) -> int:
    """Rescore the accounts marked by ``accounts_mark_health_stale`` (the worker's minute
    loop), at most ``limit`` a run, the oldest marks first. Marks are cleared only where they
    have not changed since they were read, so a touch logged during the run is rescored at the
    next one. Nothing is done before the daily run has scored today: today's first scores
    come from it for every account at once (a few accounts scored alone would make today look
    like a day with almost no scores). Returns the accounts rescored."""
    if latest_score_day() != today:
        return 0
    marked = list(
        Account.objects.filter(health_stale_since__isnull=False)
        .order_by("health_stale_since", "pk")
        .values_list("pk", "health_stale_since")[:limit]
    )
    if not marked:
        return 0
    count = health_scores_rescore(day=today, account_ids=[pk for pk, _since in marked])
    unchanged = Q()
    for pk, since in marked:
        unchanged |= Q(pk=pk, health_stale_since=since)
    Account.objects.filter(unchanged).update(health_stale_since=None)
    log.info("health: rescored %d marked accounts for %s", count, today)
    return count


def health_score_refresh_if_stale(*, account: Account, today: dt.date) -> bool:
    """Rescore one account now when it is marked and today's scores exist (the account page
    shows the score its latest touch gives); returns whether it rescored."""
    marked = account.health_stale_since
    if marked is None or latest_score_day() != today:
        return False
    health_scores_rescore(day=today, account_ids=[account.pk])
    Account.objects.filter(pk=account.pk, health_stale_since=marked).update(health_stale_since=None)
    return True


def _plain(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


@transaction.atomic
def sentiment_set(
    *, actor: User, account: Account, value: int, reason: str, until: dt.date, today: dt.date
) -> Sentiment:
    """The CSM's sentiment (1–5), with a reason, from today until ``until``; it replaces the
    one in force."""
    if not can_record_sentiment(actor, account):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if not 1 <= value <= 5:
        errors["value"] = _("Choose a sentiment from 1 to 5.")
    if not reason.strip():
        errors["reason"] = _("Say why: the team reads it next to the score.")
    if not today <= until <= today + dt.timedelta(days=180):
        errors["until"] = _("The sentiment expires within 180 days from today.")
    if errors:
        raise ValidationError(errors)
    Sentiment.objects.filter(account=account, until_day__gte=today).update(
        until_day=today - dt.timedelta(days=1)
    )
    sentiment = Sentiment.objects.create(
        account=account,
        value=value,
        reason=reason.strip(),
        from_day=today,
        until_day=until,
        set_by=actor,
    )
    accounts_mark_health_stale(account_ids=[account.pk])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=sentiment,
        account_id=account.pk,
        changes={
            "sentiment": [None, value],
            "reason": [None, reason.strip()],
            "until": [None, until.isoformat()],
        },
    )
    return sentiment


@dataclass(frozen=True)
class Backtest:
    churn: dict[int, BacktestResult]  # horizon days → result
    suggestion: Suggestion | None
    rows: pl.DataFrame | None  # the scored, labelled rows (None when read back from storage)
    first: dt.date
    last: dt.date
    #: the AUC of the shortest horizon with and without the survey components (None in a
    #: backtest stored before they existed)
    voc: VocEffect | None = None


@dataclass(frozen=True)
class BacktestSamples:
    """What every model's backtest over the same days reads: the inputs of each account on
    each prediction day, each account's outcomes and its expansion days."""

    samples: pl.DataFrame
    outcomes: pl.DataFrame
    expansions: pl.DataFrame
    first: dt.date
    last: dt.date


def backtest_samples(*, first: dt.date, last: dt.date, every_days: int = 7) -> BacktestSamples:
    """The inputs over the data known on every ``every_days``-th day from ``first`` to
    ``last``, with the outcomes, for ``backtest_of`` (read once for several models)."""
    frames = input_frames(first=first, last=last)
    samples = inputs_over(prediction_days(first, last, every_days=every_days), **frames)
    check_no_leakage(samples)
    return BacktestSamples(
        samples=samples,
        outcomes=outcomes(frames["lines"]),
        expansions=expansion_starts(frames["lines"]).rename({"day": "expansion_on"}),
        first=first,
        last=last,
    )


def backtest_of(
    *,
    model: ScoreModel,
    samples: BacktestSamples,
    data_until: dt.date,
    horizons: tuple[int, ...] = (90, 180),
) -> Backtest:
    """``model`` scored on ``samples`` and measured against what happened next. For a horizon
    *h*, only prediction days up to ``data_until`` − *h* count: later ones could not see their
    whole horizon yet (an account that will churn next month would count as retained)."""
    scored = score(samples.samples, model).join(samples.outcomes, on="account_id", how="left")
    scored = scored.sort("as_of").join_asof(
        samples.expansions.sort("expansion_on"),
        left_on="as_of",
        right_on="expansion_on",
        by="account_id",
        strategy="forward",
        allow_exact_matches=False,
        check_sortedness=False,  # sorted on the key; the groups do not need checking
    )
    seen = {
        h: scored.filter(pl.col("as_of") <= data_until - dt.timedelta(days=h)) for h in horizons
    }
    results = {h: backtest(seen[h], horizon_days=h) for h in horizons}
    suggestion = suggest_weights(labelled(seen[horizons[0]], horizon_days=horizons[0]), model)
    shortest = min(horizons)
    voc = voc_effect(
        samples.samples.filter(pl.col("as_of") <= data_until - dt.timedelta(days=shortest)).join(
            samples.outcomes, on="account_id", how="left"
        ),
        model,
        horizon_days=shortest,
        voc_components=VOC_COMPONENTS,
    )
    return Backtest(results, suggestion, scored, samples.first, samples.last, voc)


def health_backtest(
    *,
    model: ScoreModel,
    first: dt.date,
    last: dt.date,
    data_until: dt.date,
    every_days: int = 7,
    horizons: tuple[int, ...] = (90, 180),
) -> Backtest:
    """Replay ``model`` on every ``every_days``-th day from ``first`` to ``last`` over the
    data known on each day, and measure it against what happened next (``backtest_of``)."""
    samples = backtest_samples(first=first, last=last, every_days=every_days)
    return backtest_of(model=model, samples=samples, data_until=data_until, horizons=horizons)


#: the pages' backtest: prediction days from this many days before today (the usage history
#: must cover them) …
BACKTEST_FIRST_DAYS = 265
#: … to this many (the shortest horizon, 90 days, is then seen whole)
BACKTEST_LAST_DAYS = 90
BACKTEST_CACHE_SECONDS = 3600


def _recent_days(today: dt.date) -> tuple[dt.date, dt.date]:
    return (
        today - dt.timedelta(days=BACKTEST_FIRST_DAYS),
        today - dt.timedelta(days=BACKTEST_LAST_DAYS),
    )


def health_backtest_recent(
    *, model: ScoreModel, today: dt.date, version: ScoreModelVersion | None = None
) -> Backtest:
    """``health_backtest`` of ``model`` over the prediction days ``today`` − 265 … ``today`` − 90
    with the data known until ``today``. When ``version`` is the stored version ``model`` comes
    from, its backtest stored for ``today`` is read if there is one, else the result is cached
    for the day (an hour at most); a draft being edited is computed each time."""
    if version is not None:
        stored = StoredBacktest.objects.filter(model=version, as_of=today).first()
        if stored is not None:
            return backtest_from_json(stored.result)
    key = f"health-backtest:{version.pk}:{today}" if version is not None else None
    cached = cache.get(key) if key else None
    if isinstance(cached, Backtest):
        return cached
    first, last = _recent_days(today)
    result = health_backtest(model=model, first=first, last=last, data_until=today)
    if key:
        cache.set(key, result, BACKTEST_CACHE_SECONDS)
    return result


def health_backtest_stored(*, version: ScoreModelVersion) -> StoredBacktest | None:
    """The version's latest stored backtest (``health_backtests_store``), or None."""
    return StoredBacktest.objects.filter(model=version).order_by("-as_of").first()


def health_backtest_store(*, version: ScoreModelVersion, today: dt.date) -> StoredBacktest:
    """Compute the version's backtest with the data known on ``today`` and store it (asked
    for on the model's page when none is stored yet)."""
    first, last = _recent_days(today)
    samples = backtest_samples(first=first, last=last)
    return _store(
        version, backtest_of(model=version.as_core(), samples=samples, data_until=today), today
    )


def health_backtests_store(*, today: dt.date) -> int:
    """The daily job: store the backtest with the data known on ``today`` of every version
    still in use (published and drafts; a retired version keeps its last one), reading the
    history once for all of them. Returns the versions backtested."""
    versions = list(ScoreModelVersion.objects.exclude(status=ModelStatus.RETIRED))
    if not versions:
        return 0
    first, last = _recent_days(today)
    samples = backtest_samples(first=first, last=last)
    for version in versions:
        result = backtest_of(model=version.as_core(), samples=samples, data_until=today)
        _store(version, result, today)
    return len(versions)


@transaction.atomic
def _store(version: ScoreModelVersion, result: Backtest, today: dt.date) -> StoredBacktest:
    """Keep ``result`` as the version's backtest of ``today``; earlier ones are dropped (the
    page shows the latest)."""
    StoredBacktest.objects.filter(model=version).delete()
    return StoredBacktest.objects.create(
        model=version, as_of=today, result=backtest_as_json(result)
    )


def backtest_as_json(result: Backtest) -> dict[str, Any]:
    """``result`` without its rows as JSON (horizons as text keys; a float that is not finite
    becomes null, as PostgreSQL's jsonb has no NaN)."""
    suggestion = result.suggestion
    data: dict[str, Any] = _finite(
        {
            "first": result.first.isoformat(),
            "last": result.last.isoformat(),
            "churn": {str(h): dataclasses.asdict(r) for h, r in result.churn.items()},
            "suggestion": dataclasses.asdict(suggestion) if suggestion is not None else None,
            "voc": dataclasses.asdict(result.voc) if result.voc is not None else None,
        }
    )
    return data


def backtest_from_json(data: dict[str, Any]) -> Backtest:
    """The ``Backtest`` ``backtest_as_json`` stored (its ``rows`` are None)."""
    # a field stored by an earlier version of the result and since dropped is left out
    known = {f.name for f in dataclasses.fields(BacktestResult)}
    churn = {
        int(h): BacktestResult(
            **{
                **{k: v for k, v in r.items() if k in known},
                "by_grade": tuple(GradeRate(**g) for g in r["by_grade"]),
                "roc": tuple((a, b) for a, b in r["roc"]),
                "lead_days": tuple(r["lead_days"]),
            }
        )
        for h, r in data["churn"].items()
    }
    suggestion = Suggestion(**data["suggestion"]) if data["suggestion"] is not None else None
    voc = VocEffect(**data["voc"]) if data.get("voc") is not None else None
    return Backtest(
        churn,
        suggestion,
        None,
        dt.date.fromisoformat(data["first"]),
        dt.date.fromisoformat(data["last"]),
        voc,
    )


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _c(
    key: str, input: str, kind: str, low: float, high: float, weight: float, red: bool = False
) -> dict[str, Any]:
    return {
        "key": key,
        "input": input,
        "kind": kind,
        "low": low,
        "high": high,
        "weight": weight,
        "red_forces_red": red,
    }


#: the survey components: of the default models, and added to a model without them when its
#: backtest measures what they change (``kizuna.core.health.backtest.voc_effect``). An account
#: without an answer leaves them out (its score is what it was without them).
VOC_COMPONENTS: tuple[Component, ...] = (
    Component("nps", "nps_last", "linear", 4, 9, 10),
    Component("csat", "csat_mean", "linear", 2, 5, 5),
)
_VOC_SPECS = [_c(c.key, c.input, c.kind, c.low, c.high, c.weight) for c in VOC_COMPONENTS]

DEFAULT_MODELS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "onboarding",
        Phase.ONBOARDING,
        {
            "components": [
                _c("onboarding", "onboarding_ok", "thresholds", 0.25, 0.75, 40, red=True),
                _c("active_users", "active_user_ratio", "linear", 0.05, 0.4, 25),
                _c("adoption", "feature_adoption", "linear", 0.0, 0.75, 20),
                _c("touch", "days_since_touch", "linear", 45, 7, 15),
            ]
        },
    ),
    (
        "adoption",
        Phase.ADOPTION,
        {
            "components": [
                _c("active_users", "active_user_ratio", "linear", 0.1, 0.5, 30),
                _c("adoption", "feature_adoption", "linear", 0.2, 0.9, 25),
                _c("trend", "usage_trend", "linear", 0.5, 1.0, 20),
                _c("touch", "days_since_touch", "linear", 120, 14, 10),
                _c("sentiment", "sentiment", "thresholds", 2.5, 3.5, 15, red=True),
                *_VOC_SPECS,
            ]
        },
    ),
    (
        "renewal",
        Phase.RENEWAL,
        {
            "components": [
                _c("active_users", "active_user_ratio", "linear", 0.1, 0.5, 30),
                _c("adoption", "feature_adoption", "linear", 0.2, 0.9, 20),
                _c("trend", "usage_trend", "linear", 0.5, 1.0, 20),
                _c("touch", "days_since_touch", "linear", 60, 7, 15),
                _c("sentiment", "sentiment", "thresholds", 2.5, 3.5, 15, red=True),
                *_VOC_SPECS,
            ]
        },
    ),
)


def score_models_ensure_defaults() -> int:
    """Publish version 1 of the default models when there is no model at all."""
    if ScoreModelVersion.objects.exists():
        return 0
    for name, phase, spec in DEFAULT_MODELS:
        model = score_model_create(
            actor=None, name=name, phase=phase, segment="", spec=spec, note=""
        )
        score_model_publish(actor=None, model=model)
    return len(DEFAULT_MODELS)
