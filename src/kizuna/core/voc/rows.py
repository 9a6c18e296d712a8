"""The survey analysis' input rows, their validation, and the tenure buckets.

An answer or an invitation carries the fields the analysis cuts by, as they were when it was
sent or answered: the account's segment and lifecycle phase, the product of the contract line
(None: not tied to a line), and the tenure in days (days since the line's start; None when
unknown). The Django adapter reads them with one query each; the core never sees a model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import polars as pl

Kind = Literal["nps", "csat"]
NPS: Final[Kind] = "nps"
CSAT: Final[Kind] = "csat"
#: the scores each kind of survey accepts, both ends included
SCORE_RANGES: Final[dict[Kind, tuple[int, int]]] = {NPS: (0, 10), CSAT: (1, 5)}
#: a tenure longer than the calendar (0001-01-01 … 9999-12-31) is a data error
MAX_TENURE_DAYS: Final = (date.max - date.min).days

TenureBucket = Literal["30", "90", "later", "unknown"]
TENURE_BUCKETS: Final[tuple[TenureBucket, ...]] = ("30", "90", "later", "unknown")


@dataclass(frozen=True, slots=True)
class SurveyAnswerRow:
    """One answer (NPS 0–10 or CSAT 1–5), answered on the company day ``answered_on``."""

    account_id: int
    segment: str
    product_id: int | None
    phase: str
    tenure_days: int | None
    answered_on: date
    score: int
    kind: Kind = NPS


@dataclass(frozen=True, slots=True)
class SurveyInvitationRow:
    """One invitation sent on ``sent_on`` (only invitations actually sent: not the scheduled,
    skipped or never-sent ones); ``answered`` once its contact answered it."""

    account_id: int
    segment: str
    product_id: int | None
    phase: str
    tenure_days: int | None
    sent_on: date
    answered: bool
    kind: Kind = NPS


@dataclass(frozen=True, slots=True)
class TenureBuckets:
    """Tenure (days since the line's start) → bucket, both limits inclusive:
    0 … ``thirty_max_days`` → ``"30"`` (the day-30 survey's answers), up to
    ``ninety_max_days`` → ``"90"``, above → ``"later"``; None → ``"unknown"``.

    The defaults sit halfway between the surveys (45 = 30 + 15 days, 135 = 90 + 45), so a
    day-30 answer given late (link valid 14 days, reminder after 5) stays in ``"30"``."""

    thirty_max_days: int = 45
    ninety_max_days: int = 135

    def __post_init__(self) -> None:
        if not 0 <= self.thirty_max_days < self.ninety_max_days:
            raise ValueError("tenure buckets need 0 <= thirty_max_days < ninety_max_days")

    def bucket(self, tenure_days: int | None) -> TenureBucket:
        if tenure_days is None:
            return "unknown"
        if tenure_days <= self.thirty_max_days:
            return "30"
        return "90" if tenure_days <= self.ninety_max_days else "later"

    def expr(self, column: str) -> pl.Expr:
        """Polars expression: the bucket of an integer column, as ``bucket``."""
        days = pl.col(column)
        return (
            pl.when(days.is_null())
            .then(pl.lit("unknown"))
            .when(days <= self.thirty_max_days)
            .then(pl.lit("30"))
            .when(days <= self.ninety_max_days)
            .then(pl.lit("90"))
            .otherwise(pl.lit("later"))
        )


#: the buckets of docs/metrics.md
DEFAULT_TENURE_BUCKETS: Final = TenureBuckets()


@dataclass(frozen=True, slots=True)
class RejectedRow[R]:
    """A row left out of the analysis and why (``reason`` is a stable code)."""

    row: R
    reason: str


def _common_reason(kind: object, tenure_days: object, segment: object, phase: object) -> str:
    if kind not in SCORE_RANGES:
        return "unknown_kind"
    if not isinstance(segment, str) or not isinstance(phase, str):
        return "missing_cut"
    if tenure_days is not None and (
        isinstance(tenure_days, bool)
        or not isinstance(tenure_days, int)
        or not 0 <= tenure_days <= MAX_TENURE_DAYS
    ):
        return "tenure_out_of_range"
    return ""


def answer_rejection(row: SurveyAnswerRow) -> str:
    """Why an answer cannot be analysed, or ``""``: ``unknown_kind``, ``missing_cut``
    (segment or phase not a string), ``tenure_out_of_range`` (negative, not an integer, or
    longer than the calendar), ``score_out_of_range`` (NPS outside 0–10, CSAT outside 1–5,
    or not an integer), ``bad_date``."""
    reason = _common_reason(row.kind, row.tenure_days, row.segment, row.phase)
    if reason:
        return reason
    low, high = SCORE_RANGES[row.kind]
    score = row.score
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        return "score_out_of_range"
    if not isinstance(row.answered_on, date):
        return "bad_date"
    return ""


def invitation_rejection(row: SurveyInvitationRow) -> str:
    """Why an invitation cannot be analysed, or ``""`` (codes of ``answer_rejection``)."""
    reason = _common_reason(row.kind, row.tenure_days, row.segment, row.phase)
    if reason:
        return reason
    return "" if isinstance(row.sent_on, date) else "bad_date"


def validate_answers(
    rows: Iterable[SurveyAnswerRow],
) -> tuple[list[SurveyAnswerRow], list[RejectedRow[SurveyAnswerRow]]]:
    """(rows to analyse, rows left out with their reason), each in input order."""
    kept: list[SurveyAnswerRow] = []
    rejected: list[RejectedRow[SurveyAnswerRow]] = []
    for row in rows:
        reason = answer_rejection(row)
        if reason:
            rejected.append(RejectedRow(row, reason))
        else:
            kept.append(row)
    return kept, rejected


def validate_invitations(
    rows: Iterable[SurveyInvitationRow],
) -> tuple[list[SurveyInvitationRow], list[RejectedRow[SurveyInvitationRow]]]:
    """(rows to analyse, rows left out with their reason), each in input order."""
    kept: list[SurveyInvitationRow] = []
    rejected: list[RejectedRow[SurveyInvitationRow]] = []
    for row in rows:
        reason = invitation_rejection(row)
        if reason:
            rejected.append(RejectedRow(row, reason))
        else:
            kept.append(row)
    return kept, rejected


#: the columns the report reads from answers (``account_id`` is not needed to count)
ANSWERS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "segment": pl.String(),
    "product_id": pl.Int64(),
    "phase": pl.String(),
    "tenure_days": pl.Int64(),
    "answered_on": pl.Date(),
    "score": pl.Int64(),
    "kind": pl.String(),
}
INVITATIONS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "segment": pl.String(),
    "product_id": pl.Int64(),
    "phase": pl.String(),
    "tenure_days": pl.Int64(),
    "sent_on": pl.Date(),
    "answered": pl.Boolean(),
    "kind": pl.String(),
}


def answers_frame(rows: Iterable[SurveyAnswerRow]) -> pl.DataFrame:
    """The rows as a frame of ``ANSWERS_SCHEMA`` (validate them first)."""
    rows = list(rows)
    return pl.DataFrame(
        {name: [getattr(row, name) for row in rows] for name in ANSWERS_SCHEMA},
        schema=ANSWERS_SCHEMA,
    )


def invitations_frame(rows: Iterable[SurveyInvitationRow]) -> pl.DataFrame:
    """The rows as a frame of ``INVITATIONS_SCHEMA`` (validate them first)."""
    rows = list(rows)
    return pl.DataFrame(
        {name: [getattr(row, name) for row in rows] for name in INVITATIONS_SCHEMA},
        schema=INVITATIONS_SCHEMA,
    )
