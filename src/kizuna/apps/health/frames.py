"""The database's data as the frames ``kizuna.core.health.inputs`` reads, and the outcome
dates (churn, expansion) the backtest needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from kizuna.apps.coverage.touches import qualifying_touchpoints
from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.health.models import Sentiment
from kizuna.apps.onboarding.models import OnboardingTransition
from kizuna.apps.surveys.models import SurveyAnswer
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.usage.frames import usage_day_frames
from kizuna.apps.usage.models import FeatureDefinition, UsageDay
from kizuna.core.health.inputs import SCHEMAS, VOC_WINDOW


def _frame(name: str, rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMAS[name], orient="row")


def input_frames(
    *, first: dt.date, last: dt.date, account_ids: list[int] | None = None
) -> dict[str, pl.DataFrame]:
    """Everything the inputs of days ``first`` … ``last`` may read (usage from 35 days
    earlier, every line, onboarding transition and sentiment, the touchpoints that are touches
    as of ``last`` by ``coverage.touches.qualifying_touchpoints``, the survey answers of the
    ``VOC_WINDOW`` days up to ``last`` dated by their company day), of the accounts
    ``account_ids`` only when given (rescoring a few marked accounts)."""
    since = first - dt.timedelta(days=35)

    def of(rows: Any, field: str = "account_id") -> Any:
        return rows if account_ids is None else rows.filter(**{f"{field}__in": account_ids})

    usage, feature_daily = usage_day_frames(
        of(UsageDay.objects.filter(day__gte=since, day__lte=last))
    )
    usage = usage.cast(SCHEMAS["usage"])
    features = (
        feature_daily.filter(pl.col("events") != 0)
        .select(list(SCHEMAS["features"]))
        .cast(SCHEMAS["features"])
    )
    lines = _frame(
        "lines",
        list(
            of(SubscriptionLine.objects.all()).values_list(
                "account_id", "start_date", "end_date", "seats", "product__code"
            )
        ),
    )
    keys = _frame(
        "key_features",
        list(
            FeatureDefinition.objects.filter(is_key=True)
            .values_list("product__code", "feature")
            .distinct()
        ),
    )
    zone = tenant_settings_get().time_zone
    # the touches as ``last_touches`` counts them, dated up to ``last``; the core reads, for
    # each day, those on or before it (nothing later leaks into an earlier day's input)
    touches = (
        pl.DataFrame(
            list(of(qualifying_touchpoints(as_of=last)).values_list("account_id", "occurred_at")),
            schema={"account_id": pl.Int64, "occurred_at": pl.Datetime("us", "UTC")},
            orient="row",
        )
        .select(
            "account_id", pl.col("occurred_at").dt.convert_time_zone(zone).dt.date().alias("day")
        )
        .unique()
    )
    onboarding = _frame(
        "onboarding",
        list(
            of(OnboardingTransition.objects.all(), "onboarding__account_id")
            .values_list("onboarding__account_id", "onboarding_id", "on", "to_state")
            .order_by("on", "id")
        ),
    )
    sentiment = _frame(
        "sentiment",
        list(
            of(Sentiment.objects.all()).values_list("account_id", "value", "from_day", "until_day")
        ),
    )
    return {
        "answers": _answers(of(SurveyAnswer.objects.all()), first, last, zone),
        "usage": usage,
        "features": features,
        "lines": lines,
        "key_features": keys,
        "touches": touches,
        "onboarding": onboarding,
        "sentiment": sentiment,
    }


def _answers(rows: Any, first: dt.date, last: dt.date, zone: str) -> pl.DataFrame:
    """(account_id, company day, kind, score) of the answers the inputs of ``first`` …
    ``last`` may read (a day early and late, for the time zone; the core keeps the window)."""
    try:
        since = dt.datetime.combine(first - dt.timedelta(days=VOC_WINDOW + 1), dt.time(), dt.UTC)
    except OverflowError:
        since = dt.datetime.min.replace(tzinfo=dt.UTC)
    try:
        until = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), dt.UTC)
    except OverflowError:
        until = dt.datetime.max.replace(tzinfo=dt.UTC)
    found = rows.filter(answered_at__gte=since, answered_at__lt=until).values_list(
        "account_id", "answered_at", "kind", "score"
    )
    return (
        pl.DataFrame(
            list(found),
            schema={
                "account_id": pl.Int64,
                "answered_at": pl.Datetime("us", "UTC"),
                "kind": pl.String,
                "score": pl.Int64,
            },
            orient="row",
        )
        .with_columns(pl.col("answered_at").dt.convert_time_zone(zone).dt.date().alias("day"))
        .select(list(SCHEMAS["answers"]))
    )


def outcomes(lines: pl.DataFrame) -> pl.DataFrame:
    """Per account: ``churn_on`` (the day its last line ended, when none runs on after it)
    and the start days of its later lines (``expansion_on`` candidates: a line that started
    after the account's first one)."""
    per_account = lines.group_by("account_id").agg(
        pl.col("start_date").min().alias("first_start"),
        pl.col("end_date").is_null().any().alias("open"),
        pl.col("end_date").max().alias("last_end"),
    )
    return per_account.select(
        "account_id",
        pl.when(pl.col("open")).then(None).otherwise(pl.col("last_end")).alias("churn_on"),
        "first_start",
    )


def expansion_starts(lines: pl.DataFrame) -> pl.DataFrame:
    """(account_id, day) of every line that started after the account's first line."""
    first = lines.group_by("account_id").agg(pl.col("start_date").min().alias("first_start"))
    return (
        lines.join(first, on="account_id")
        .filter(pl.col("start_date") > pl.col("first_start"))
        .select("account_id", pl.col("start_date").alias("day"))
        .unique()
        .sort("account_id", "day")
    )
