"""Reading CSQLs for the pages and the API: the filtered list, the board's columns, one
CSQL's reasons in the reader's language, the conversion table (``core.expansion``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kizuna.apps.expansion.models import Csql, CsqlState
from kizuna.apps.health.selectors import approach_for_account, approach_reason
from kizuna.apps.org.models import Team, User
from kizuna.apps.surveys.models import SurveyAnswer, SurveyKind
from kizuna.core import expansion as core
from kizuna.core.calendar import month_end

type Cut = Literal["csm", "team"]


@dataclass(frozen=True)
class CsqlFilters:
    """The board's and the API's filters; None: not filtered. ``month``: the raise month
    (its first day)."""

    team: Team | None = None
    raised_by: User | None = None
    month: dt.date | None = None
    state: str | None = None
    account_id: int | None = None


def csqls_filtered(filters: CsqlFilters) -> QuerySet[Csql]:
    """The CSQLs the filters keep, newest raised first, with what the lists show."""
    qs = Csql.objects.select_related(
        "account", "product", "raised_by", "team", "sales_owner"
    ).order_by("-raised_on", "-id")
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    if filters.raised_by is not None:
        qs = qs.filter(raised_by=filters.raised_by)
    if filters.month is not None:
        qs = qs.filter(raised_on__gte=filters.month, raised_on__lte=month_end(filters.month))
    if filters.state is not None:
        qs = qs.filter(state=filters.state)
    if filters.account_id is not None:
        qs = qs.filter(account_id=filters.account_id)
    return qs


#: how many CSQLs a board column shows (the CSV has them all)
COLUMN_LIMIT = 100
#: how many of an account's CSQLs its page lists, newest first
ACCOUNT_PANEL_LIMIT = 10


def account_csqls(account_id: int) -> list[Csql]:
    """An account's CSQLs for its page, newest raised first (``ACCOUNT_PANEL_LIMIT`` of
    them), each with its state and the expansion MRR the daily job attributed to it."""
    return list(csqls_filtered(CsqlFilters(account_id=account_id))[:ACCOUNT_PANEL_LIMIT])


@dataclass(frozen=True)
class Column:
    state: str
    label: str
    count: int
    csqls: list[Csql]


def csql_board(filters: CsqlFilters) -> list[Column]:
    """One column per state (proposed, accepted, won, lost), each newest first, at most
    ``COLUMN_LIMIT`` shown and all counted."""
    columns = []
    for state in CsqlState:
        qs = csqls_filtered(CsqlFilters(**{**filters.__dict__, "state": state.value}))
        columns.append(Column(state.value, str(state.label), qs.count(), list(qs[:COLUMN_LIMIT])))
    return columns


#: the reason a CSQL raised from a promoter's survey answer carries (score, comment)
NPS_PROMOTER = "nps_promoter"
#: the most of the answer's comment a reason keeps
PROMOTER_COMMENT_MAX = 300


def _reason_text(code: str, details: dict[str, Any]) -> str:
    if code == NPS_PROMOTER:
        text = _("NPS promoter: scored %(score)s") % {"score": details["score"]}
        comment = details.get("comment")
        return f"{text} 「{comment}」" if comment else text
    return approach_reason(code, details)


def reason_texts(reasons: Any) -> list[tuple[float, str]]:
    """A CSQL's stored reasons as (points, worded reason) in the reader's language."""
    out = []
    for item in reasons if isinstance(reasons, list) else []:
        try:
            out.append((float(item["points"]), _reason_text(item["code"], item["details"])))
        except (KeyError, TypeError, ValueError):
            continue
    return out


@dataclass(frozen=True)
class Prefill:
    score: float | None
    reasons: list[dict[str, Any]]


def promoter_reason(account_id: int, answer_id: int) -> dict[str, Any] | None:
    """The reason a CSQL raised from a promoter's answer (NPS 9–10 of this account) copies
    in: its score, its comment (the first ``PROMOTER_COMMENT_MAX`` characters) and its id;
    None for another answer."""
    answer = SurveyAnswer.objects.filter(
        pk=answer_id, account_id=account_id, kind=SurveyKind.NPS, score__gte=9, score__lte=10
    ).first()
    if answer is None:
        return None
    details = {"score": answer.score, "answer_id": answer.pk}
    comment = answer.comment.strip()[:PROMOTER_COMMENT_MAX]
    return {"code": NPS_PROMOTER, "points": 0, "details": details | {"comment": comment}}


def approach_prefill(account_id: int, *, today: dt.date) -> Prefill:
    """The approach score and its reasons (codes and numbers) a new CSQL copies in; empty
    when the account is not ranked today."""
    approach = approach_for_account(account_id, today=today)
    if approach is None:
        return Prefill(None, [])
    return Prefill(
        approach.score,
        [{"code": r.code, "points": r.points, "details": r.details} for r in approach.reasons],
    )


@dataclass(frozen=True)
class ConversionRow:
    label: str
    figures: core.Conversion


def conversion_total(filters: CsqlFilters) -> core.Conversion:
    """Every CSQL the filters keep, counted together (the board's figures)."""
    values = csqls_filtered(filters).values_list(
        "pk", "raised_by_id", "team_id", "raised_on", "state", "attributed_mrr"
    )
    return core.conversion_total(core.CsqlRow(*v) for v in values)


def conversion_rows(
    filters: CsqlFilters, *, cut: Cut, by_month: bool = True
) -> tuple[list[ConversionRow], core.Conversion]:
    """The conversion table per CSM (the raiser) or team (the raiser's team when raised) and
    raise month, and the total of the filtered CSQLs."""
    values = csqls_filtered(filters).values_list(
        "pk", "raised_by_id", "team_id", "raised_on", "state", "attributed_mrr"
    )
    rows = [core.CsqlRow(*v) for v in values]
    if cut == "csm":
        names = {u.pk: str(u) for u in User.objects.filter(pk__in={r.raised_by for r in rows})}
        table = core.conversion_table(rows, key=lambda r: r.raised_by, by_month=by_month)
    else:
        names = {t.pk: t.name for t in Team.objects.filter(pk__in={r.team for r in rows})}
        table = core.conversion_table(rows, key=lambda r: r.team, by_month=by_month)
    labelled = [ConversionRow(names.get(c.key, "—"), c) for c in table]  # type: ignore[call-overload]
    return labelled, core.conversion_total(rows)
