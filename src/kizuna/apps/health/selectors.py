"""Health reads: one account's score explained, the portfolio, the grade distribution of a
model on today's data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, overload

import polars as pl
from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from kizuna.apps.customers.models import Account, Product, SubscriptionLine
from kizuna.apps.front.charts import Chart
from kizuna.apps.health import charts
from kizuna.apps.health.frames import input_frames
from kizuna.apps.health.models import HealthScore, Sentiment
from kizuna.core.health.approach import Approach, approach_scores
from kizuna.core.health.backtest import VocEffect
from kizuna.core.health.explain import explain
from kizuna.core.health.inputs import VOC_INPUTS, inputs_over
from kizuna.core.health.model import Component, ScoreModel, score

COMPONENT_LABELS = {
    "active_user_ratio": gettext_lazy("Active users ÷ seats"),
    "feature_adoption": gettext_lazy("Key-feature adoption"),
    "usage_trend": gettext_lazy("Usage trend (7 days ÷ usual week)"),
    "days_since_touch": gettext_lazy("Days since the last touch"),
    "days_to_renewal": gettext_lazy("Days to renewal"),
    "onboarding_ok": gettext_lazy("Onboarding state"),
    "sentiment": gettext_lazy("CSM sentiment (1–5)"),
    "nps_last": gettext_lazy("NPS, latest answer (0–10)"),
    "csat_mean": gettext_lazy("CSAT, average of a year (1–5)"),
}
PERCENT_INPUTS = {"active_user_ratio", "feature_adoption", "usage_trend"}


@dataclass(frozen=True, slots=True)
class HealthPart:
    """One component of an account's score: its points out of their maximum on that day
    (rescaled to the inputs it had), its input's value now and a week before."""

    key: str
    label: str
    points: float | None
    max: float | None
    nominal_max: float
    value: str
    was: str | None
    delta: float | None
    missing: bool


@dataclass(frozen=True, slots=True)
class AccountHealth:
    """The health card of the account page (``account_health``)."""

    score: HealthScore
    before: HealthScore | None
    parts: tuple[HealthPart, ...]
    missing: str  # the inputs without data, worded
    rescaled: bool
    changes: tuple[HealthPart, ...]  # the parts that moved since a week before, most first
    trend: Chart | None
    sentiment: Sentiment | None
    freshness: tuple[tuple[str, dt.date | None], ...]  # (what, as of)
    until_default: dt.date


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    key: str  # a touch model, a team's code or a CSM's username ("" for none)
    grades: tuple[int, ...]  # accounts of grade 1 … 5
    total: int


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Grade counts on the latest scored day (``day`` None: nothing scored yet)."""

    day: dt.date | None
    scored_at: dt.datetime | None = None
    week_ago: dt.date | None = None
    rows: tuple[PortfolioRow, ...] = ()
    totals: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GradeDrop:
    """An account whose grade fell since a week before, with why (``grade_drop_rows``)."""

    score: HealthScore
    was: int
    was_score: float | None
    reasons: tuple[tuple[str, float], ...]  # (input, points lost), the largest loss first


@dataclass(frozen=True, slots=True)
class GradePreview:
    """How a model would grade today's accounts (``grade_preview``)."""

    grades: tuple[tuple[int, int, float | None], ...]  # (grade, accounts, share)
    rag: Mapping[str, int]  # red / yellow / green → accounts
    total: int
    mean: float | None
    frame: pl.DataFrame


@dataclass(frozen=True, slots=True)
class ApproachRow:
    account: Account
    score: float
    reasons: tuple[tuple[float, str], ...]  # (points, worded reason)


def input_label(name: str) -> str:
    return str(COMPONENT_LABELS.get(name, name))


def model_components(model: ScoreModel) -> tuple[tuple[Component, str], ...]:
    """Each component of ``model`` with the label of its input, in the reader's language."""
    return tuple((c, input_label(c.input)) for c in model.components)


def format_input(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in PERCENT_INPUTS:
        return f"{float(value):.0%}"
    if name == "onboarding_ok":
        states = {
            1.0: pgettext("onboarding state", "completed"),
            0.5: pgettext("onboarding state", "in progress"),
            0.0: pgettext("onboarding state", "stalled"),
        }
        return states.get(float(value), str(value))
    if name in VOC_INPUTS:
        return f"{float(value):.1f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def voc_sentence(effect: VocEffect) -> str:
    """The backtest's verdict on the survey components in one sentence: whether NPS (and
    CSAT) improve the AUC, from what to what, and how many accounts had an answer."""
    params = {
        "without": _auc_text(effect.auc_without),
        "with": _auc_text(effect.auc_with),
        "n": effect.accounts_answered,
        "h": effect.horizon_days,
    }
    if effect.verdict == "improves":
        text = _(
            "NPS improves the AUC (churn within %(h)s days) from %(without)s to %(with)s;"
            " %(n)s accounts had a survey answer."
        )
    elif effect.verdict == "does_not_improve":
        text = _(
            "NPS does not improve the AUC (churn within %(h)s days): %(without)s without it,"
            " %(with)s with it; %(n)s accounts had a survey answer."
        )
    else:
        text = _(
            "Not enough data to tell whether NPS improves the AUC (churn within %(h)s days):"
            " %(n)s accounts had a survey answer."
        )
    return text % params


def _auc_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def account_health(
    *, account: Account, today: dt.date, last_touch: dt.date | None
) -> AccountHealth | None:
    """Today's (latest) score with each component's points out of their maximum on that day,
    the inputs without data, what changed since a week before, the 90-day trend and the
    freshness of the inputs. A page showing it rescores an account marked stale (a touch
    logged since its score) first, ``services.health_score_refresh_if_stale``, so that it never
    shows a score the latest touch has changed.

    ``last_touch`` is the account's last touch as of ``today`` as the caller has read it
    (``coverage.touches.last_touches``: the day "days since the last touch" counts from)."""
    latest = account.health_scores.select_related("model").order_by("-day").first()
    if latest is None:
        return None
    before = (
        account.health_scores.filter(day__lte=latest.day - dt.timedelta(days=7))
        .order_by("-day")
        .first()
    )
    model = latest.model.as_core()
    # the maxima of this day's score: rescaled to the inputs it had (kizuna.core.health.explain)
    explanation = explain(model, latest.inputs)
    parts = []
    for c, part in zip(model.components, explanation.parts, strict=True):
        points = latest.points.get(c.key)
        was = before.points.get(c.key) if before else None
        value, old = latest.inputs.get(c.input), before.inputs.get(c.input) if before else None
        delta = round(points - was, 1) if points is not None and was is not None else None
        parts.append(
            HealthPart(
                key=c.key,
                label=input_label(c.input),
                points=points,
                max=part.max_points if points is not None else None,
                nominal_max=part.nominal_max,
                value=format_input(c.input, value),
                was=format_input(c.input, old) if before else None,
                delta=delta,
                missing=part.missing,
            )
        )
    changes = sorted((p for p in parts if p.delta), key=lambda p: abs(p.delta or 0), reverse=True)
    history = list(
        account.health_scores.filter(day__gte=latest.day - dt.timedelta(days=90))
        .order_by("day")
        .values_list("day", "score")
    )
    return AccountHealth(
        score=latest,
        before=before,
        parts=tuple(parts),
        missing=pgettext("list separator", ", ").join(
            input_label(name) for name in explanation.missing_inputs
        ),
        rescaled=explanation.rescaled,
        changes=tuple(changes),
        trend=charts.score_trend(history),
        sentiment=Sentiment.objects.filter(
            account=account, from_day__lte=today, until_day__gte=today
        ).first(),
        freshness=(
            (_("Usage data"), account.usage_days.aggregate(d=Max("day"))["d"]),
            (_("Last touch"), last_touch),
        ),
        until_default=today + dt.timedelta(days=30),
    )


def latest_grades(*, account_ids: Iterable[int]) -> dict[int, int | None]:
    """Each account's grade on its latest score (the one its page shows, ``account_health``);
    None for an account never scored or whose latest score has no grade. One query, each
    account's latest score found by the (account, day) index."""
    latest = HealthScore.objects.filter(account=OuterRef("pk")).order_by("-day")
    return dict(
        Account.objects.filter(pk__in=sorted(set(account_ids)))
        .annotate(latest_grade=Subquery(latest.values("grade")[:1]))
        .values_list("pk", "latest_grade")
    )


def latest_score_day() -> dt.date | None:
    day: dt.date | None = HealthScore.objects.aggregate(d=Max("day"))["d"]
    return day


def portfolio(*, by: str) -> Portfolio:
    """Grade counts per segment / team / CSM on the latest day, and the accounts whose grade
    fell since a week before."""
    day = latest_score_day()
    if day is None:
        return Portfolio(day=None)
    field = {
        "segment": "account__segment",
        "team": "account__team__code",
        "csm": "account__owner__username",
    }[by]
    counts: dict[str, Counter[int]] = {}
    for key, grade, n in (
        HealthScore.objects.filter(day=day, grade__isnull=False)
        .values_list(field, "grade")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(key or "", Counter())[grade] += n
    rows = tuple(
        PortfolioRow(key=key, grades=tuple(c.get(g, 0) for g in range(1, 6)), total=c.total())
        for key, c in sorted(counts.items())
    )
    week_ago = HealthScore.objects.filter(day__lte=day - dt.timedelta(days=7)).aggregate(
        d=Max("day")
    )["d"]
    totals = Counter(
        {
            g: n
            for g, n in HealthScore.objects.filter(day=day, grade__isnull=False)
            .values_list("grade")
            .annotate(n=Count("pk"))
            .order_by()
            if g
        }
    )
    return Portfolio(
        day=day,
        scored_at=HealthScore.objects.filter(day=day).aggregate(at=Max("scored_at"))["at"],
        week_ago=week_ago,
        rows=rows,
        totals=tuple(totals.get(g, 0) for g in range(1, 6)),
    )


def grade_preview(*, model: ScoreModel, today: dt.date) -> GradePreview:
    """How the model would grade today's accounts (the editor's live preview)."""
    inputs = inputs_over([today], **input_frames(first=today, last=today))
    scored = score(inputs, model)
    grades = Counter(g for g in scored["grade"].to_list() if g is not None)
    rag = Counter(r for r in scored["rag"].to_list() if r)
    total = sum(grades.values())
    mean = scored["score"].drop_nulls().mean() if scored.height else None
    return GradePreview(
        grades=tuple(
            (g, grades.get(g, 0), grades.get(g, 0) / total if total else None) for g in range(1, 6)
        ),
        rag={k: rag.get(k, 0) for k in ("red", "yellow", "green")},
        total=total,
        mean=float(mean) if isinstance(mean, int | float) else None,
        frame=scored.select(pl.col("account_id"), pl.col("score")),
    )


def approach_list(*, today: dt.date, top: int = 100) -> list[ApproachRow]:
    """Accounts ready for an expansion conversation, best first, with worded reasons."""
    ranked = _approach_ranked(today=today, top=top)
    by_pk = Account.objects.select_related("owner").in_bulk([a.account_id for a in ranked])
    return [
        ApproachRow(
            account=by_pk[a.account_id],
            score=a.score,
            reasons=tuple((r.points, approach_reason(r.code, r.details)) for r in a.reasons),
        )
        for a in ranked
        if a.account_id in by_pk
    ]


def approach_for_account(account_id: int, *, today: dt.date) -> Approach | None:
    """One account's approach score with its reasons (codes and numbers), as the approach
    list ranks it today; None when it is not ranked (no grade, grade 1–2, no points). A CSQL
    copies these reasons when it is raised (``expansion``)."""
    ranked = _approach_ranked(today=today, top=None)
    return next((a for a in ranked if a.account_id == account_id), None)


def _approach_ranked(*, today: dt.date, top: int | None) -> list[Approach]:
    day = latest_score_day()
    if day is None:
        return []
    inputs = inputs_over([today], **input_frames(first=today, last=today))
    grades = pl.DataFrame(
        list(HealthScore.objects.filter(day=day).values_list("account_id", "grade")),
        schema={"account_id": pl.Int64, "grade": pl.Int8},
        orient="row",
    )
    rows = list(Account.objects.filter(mrr__gt=0).values_list("pk", "industry", "segment"))
    products: dict[int, list[str]] = {}

    for account_id, code in (
        SubscriptionLine.objects.filter(start_date__lte=today)
        .exclude(end_date__lte=today)
        .values_list("account_id", "product__code")
    ):
        products.setdefault(account_id, []).append(code)
    accounts = pl.DataFrame(
        [
            (pk, industry, segment, sorted(set(products.get(pk, []))))
            for pk, industry, segment in rows
        ],
        schema={
            "account_id": pl.Int64,
            "industry": pl.String,
            "segment": pl.String,
            "products": pl.List(pl.String),
        },
        orient="row",
    )
    frame = accounts.join(grades, on="account_id", how="left").join(
        inputs.select("account_id", "active_user_ratio", "usage_trend", "days_to_renewal"),
        on="account_id",
        how="left",
    )
    return approach_scores(frame, top=len(frame) if top is None else top)


def approach_reason(code: str, details: dict[str, Any]) -> str:
    if code == "seats_nearly_full":
        return _("%(ratio)s of the seats in use on the busiest day") % {
            "ratio": f"{details['ratio']:.0%}"
        }
    if code == "usage_growing":
        return _("usage at %(trend)s of a usual week") % {"trend": f"{details['trend']:.0%}"}
    if code == "healthy":
        return _("health grade %(grade)s") % {"grade": details["grade"]}
    if code == "similar_accounts_use":
        product = Product.objects.filter(code=details["product"]).first()
        return _("%(share)s of similar accounts also use %(product)s") % {
            "share": f"{details['share']:.0%}",
            "product": product.name if product else details["product"],
        }
    if code == "renewal_ahead":
        return _("renewal in %(days)s days") % {"days": details["days"]}
    return code


def _week_before(day: dt.date) -> dt.date | None:
    """The latest scored day at least a week before ``day``."""
    week_ago: dt.date | None = HealthScore.objects.filter(
        day__lte=day - dt.timedelta(days=7)
    ).aggregate(d=Max("day"))["d"]
    return week_ago


#: the annotation ``grade_drops`` gives each score: the account's grade a week before
WAS = "was"


class GradeDrops:
    """The scores of ``grade_drops``, each with the grade it fell from, as ``(score, was)``
    pairs: counted and sliced in the database (a page of them, or the first few, reads only
    those rows), so that the portfolio never loads the 100,000 scores of a day."""

    def __init__(self, scores: QuerySet[HealthScore]) -> None:
        self.scores = scores

    def count(self) -> int:
        return self.scores.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> tuple[HealthScore, int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[HealthScore, int]]: ...
    def __getitem__(
        self, index: int | slice
    ) -> tuple[HealthScore, int] | list[tuple[HealthScore, int]]:
        if isinstance(index, int):
            return self[index : index + 1][0] if index >= 0 else list(self)[index]
        return [(s, getattr(s, WAS)) for s in self.scores[index]]

    def __iter__(self) -> Iterator[tuple[HealthScore, int]]:
        return ((s, getattr(s, WAS)) for s in self.scores)


def grade_drops(*, owner: Any = None) -> GradeDrops:
    """Scores of the latest day that fell a grade against a week before (of one owner's
    accounts when given), worst first (grade, then score, then account)."""
    day = latest_score_day()
    week_ago = _week_before(day) if day is not None else None
    if day is None or week_ago is None:
        return GradeDrops(HealthScore.objects.none())
    earlier = HealthScore.objects.filter(account_id=OuterRef("account_id"), day=week_ago)
    # a score without a grade, or without one a week before, never compares as lower
    scores = (
        HealthScore.objects.filter(day=day)
        .annotate(**{WAS: Subquery(earlier.values("grade")[:1])})
        .filter(grade__lt=F(WAS))
    )
    if owner is not None:
        # by the owner's account ids, so that the (account, day) index finds their scores
        # instead of every score of the day being read
        scores = scores.filter(account_id__in=Account.objects.filter(owner=owner).values("pk"))
    return GradeDrops(
        scores.select_related("account", "account__owner", "model").order_by(
            "grade", "score", "account_id"
        )
    )


def grade_drop_rows(page: Iterable[tuple[HealthScore, int]]) -> list[GradeDrop]:
    """Rows of ``grade_drops`` (or a page of them) with why each fell: the components that
    lost the most points against the week before (up to two, largest loss first), named in
    the reader's language."""
    drops = list(page)
    if not drops:
        return []
    week_ago = _week_before(drops[0][0].day)
    if week_ago is None:
        return []
    earlier = {
        account_id: (score, points)
        for account_id, score, points in HealthScore.objects.filter(
            day=week_ago, account_id__in=[s.account_id for s, _was in drops]
        ).values_list("account_id", "score", "points")
    }
    inputs: dict[int, dict[str, str]] = {}
    rows = []
    for s, was in drops:
        if s.model_id not in inputs:
            inputs[s.model_id] = {c.key: c.input for c in s.model.as_core().components}
        was_score, was_points = earlier.get(s.account_id, (None, {}))
        rows.append(
            GradeDrop(
                score=s,
                was=was,
                was_score=was_score,
                reasons=tuple(_drop_reasons(s.points, was_points or {}, inputs[s.model_id])),
            )
        )
    return rows


def _drop_reasons(
    now: dict[str, Any], before: dict[str, Any], inputs: dict[str, str]
) -> list[tuple[str, float]]:
    losses = []
    for key, was in before.items():
        points = now.get(key)
        if points is None or was is None or points >= was:
            continue
        losses.append((input_label(inputs.get(key, key)), round(float(points) - float(was), 1)))
    return sorted(losses, key=lambda item: item[1])[:2]


def accounts_turned_red(*, first: dt.date, last: dt.date) -> tuple[dt.date | None, list[int]]:
    """The accounts whose health turned red from ``first`` to ``last`` (both inclusive): red
    on the latest scored day up to ``last`` (when that day is in the period) and not red on
    the latest scored day before ``first`` (or not scored then). The day read, and the
    account ids. Two queries on the (day, colour) rows; an account not scored on that day
    (ended, or scored by hand earlier) is not read. The monthly report's health risks."""
    end_day: dt.date | None = HealthScore.objects.filter(day__lte=last).aggregate(d=Max("day"))["d"]
    if end_day is None or end_day < first:
        return None, []
    red = set(
        HealthScore.objects.filter(day=end_day, rag="red").values_list("account_id", flat=True)
    )
    before: dt.date | None = HealthScore.objects.filter(day__lt=first).aggregate(d=Max("day"))["d"]
    if before is not None and red:
        red -= set(
            HealthScore.objects.filter(
                day=before, rag="red", account_id__in=sorted(red)
            ).values_list("account_id", flat=True)
        )
    return end_day, sorted(red)
