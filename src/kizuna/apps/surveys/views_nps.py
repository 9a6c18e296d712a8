"""The NPS / CSAT analysis pages (docs/surveys.md, Analysis): ``/surveys/nps/`` (day 30 vs
day 90 by product, NPS and CSAT per cut and period, the trend, CSV of every table), the answers
behind any cell (``/surveys/nps/answers/``), the comments (``/surveys/comments/``) and the
topics they are tagged with (``/surveys/topics/``, admins edit). Every member reads."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kizuna.apps.customers.models import Phase, Product, Segment
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_edit_survey_topics, can_view_survey_analysis
from kizuna.apps.surveys import analysis
from kizuna.apps.surveys.analysis import NONE, AnalysisQuery, QueryRefused
from kizuna.apps.surveys.charts import nps_trend_chart, period_label
from kizuna.apps.surveys.frames import company_zone
from kizuna.apps.surveys.models import SurveyAnswer, SurveyTopic
from kizuna.apps.surveys.topics import (
    Piece,
    active_topics,
    highlight,
    parse_keywords,
    tagger,
    topic_save,
)
from kizuna.core.voc.nps import CsatCell, Cut, NpsCell
from kizuna.core.voc.topics import TopicMatch, normalize_text

#: the answers list and the comments list show this many a page
PAGE_SIZE = 50
#: the longest search text read
MAX_QUERY = 200
#: a topic filter confirms at most this many comments (newest first) with the tagger
MAX_TOPIC_CANDIDATES = 5000


def _require_view(request: AuthedRequest) -> None:
    if not can_view_survey_analysis(request.user):
        raise PermissionDenied


def tenure_labels() -> dict[str, str]:
    return {
        "30": _("Day 30 (0–45 days)"),
        "90": _("Day 90 (46–135 days)"),
        "later": _("Later (136 days or more)"),
        "unknown": _("Tenure unknown"),
    }


def value_labels(cut: Cut, values: Iterable[object]) -> dict[object, str]:
    """What the page writes for each value of ``cut``."""
    values = list(values)
    if cut == "all":
        return {None: _("All answers")}
    if cut == "segment":
        names = dict(Segment.choices)
        return {v: str(names.get(str(v), v)) for v in values}
    if cut == "phase":
        names = dict(Phase.choices)
        return {v: str(names.get(str(v), v)) for v in values}
    if cut == "tenure":
        tenure = tenure_labels()
        return {v: tenure.get(str(v), str(v)) for v in values}
    return product_labels(values)


def product_labels(values: Iterable[object]) -> dict[object, str]:
    ids = [v for v in values if isinstance(v, int)]
    products = Product.objects.in_bulk(ids)
    labels: dict[object, str] = {None: _("No product")}
    for pk in ids:
        product = products.get(pk)
        if product is None:
            labels[pk] = _("Product %(id)s") % {"id": pk}
        else:
            labels[pk] = _product_name(product)
    return labels


def _product_name(product: Product) -> str:
    language = get_language() or "ja"
    return product.name_en if language.startswith("en") and product.name_en else product.name_ja


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:+.0f}" if round(value) else "0"


def _drill_url(params: dict[str, Any]) -> str:
    return reverse("surveys:nps_answers") + "?" + urlencode(params)


@dataclass(frozen=True)
class Row:
    label: str
    period: str
    cell: NpsCell | CsatCell
    url: str


def _rows(
    cells: Sequence[NpsCell | CsatCell], query: AnalysisQuery, labels: dict[object, str], kind: str
) -> list[Row]:
    return [
        Row(
            label=labels.get(cell.value, str(cell.value)),
            period=period_label(cell.period),
            cell=cell,
            url=_drill_url(analysis.cell_params(cell, query, kind)),  # type: ignore[arg-type]
        )
        for cell in cells
    ]


@dataclass(frozen=True)
class MatrixView:
    label: str
    cells: list[tuple[analysis.MatrixCell, str]]


def _matrix(report: analysis.Report) -> list[MatrixView]:
    labels = product_labels(row.product_id for row in report.matrix)
    query = report.query
    out = []
    for row in report.matrix:
        product = NONE if row.product_id is None else str(row.product_id)
        out.append(
            MatrixView(
                label=labels.get(row.product_id, str(row.product_id)),
                cells=[
                    (
                        cell,
                        _drill_url(
                            {
                                "kind": "nps",
                                "from": query.first.isoformat(),
                                "to": query.last.isoformat(),
                                "product": product,
                                "tenure": cell.tenure,
                            }
                        ),
                    )
                    for cell in row.cells
                ],
            )
        )
    return out


def _csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kizuna-{name}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


NPS_CSV = (
    "cut", "value", "period", "first_day", "last_day", "nps", "ci_low", "ci_high",
    "small_sample", "responses", "promoters", "passives", "detractors", "invitations",
    "answered_invitations", "response_rate", "label",
)  # fmt: skip
CSAT_CSV = (
    "cut", "value", "period", "first_day", "last_day", "csat", "csat_mean", "small_sample",
    "responses", "satisfied", "invitations", "answered_invitations", "response_rate",
)  # fmt: skip
MATRIX_CSV = (
    "product_id", "product", "tenure", "nps", "ci_low", "ci_high", "small_sample", "responses",
    "promoters", "passives", "detractors", "invitations", "answered_invitations",
    "response_rate",
)  # fmt: skip


def _value_text(value: object) -> str:
    return "" if value is None else str(value)


def _nps_csv(report: analysis.Report, labels: dict[object, str]) -> HttpResponse:
    q = report.query
    return _csv_response(
        "nps",
        NPS_CSV,
        (
            [
                c.cut,
                _value_text(c.value),
                period_label(c.period),
                *analysis.cell_range(c.period, q),
                _num(c.nps),
                _num(c.ci_low),
                _num(c.ci_high),
                c.small_sample,
                c.responses,
                c.promoters,
                c.passives,
                c.detractors,
                c.invitations,
                c.answered_invitations,
                _num(c.response_rate, 4),
                labels.get(c.value, ""),
            ]
            for c in report.nps
        ),
    )


def _csat_csv(report: analysis.Report) -> HttpResponse:
    q = report.query
    return _csv_response(
        "csat",
        CSAT_CSV,
        (
            [
                c.cut,
                _value_text(c.value),
                period_label(c.period),
                *analysis.cell_range(c.period, q),
                _num(c.csat, 4),
                _num(c.csat_mean, 2),
                c.small_sample,
                c.responses,
                c.satisfied,
                c.invitations,
                c.answered_invitations,
                _num(c.response_rate, 4),
            ]
            for c in report.csat
        ),
    )


def _matrix_csv(report: analysis.Report) -> HttpResponse:
    labels = product_labels(row.product_id for row in report.matrix)
    return _csv_response(
        "nps-tenure-product",
        MATRIX_CSV,
        (
            [
                _value_text(row.product_id),
                labels.get(row.product_id, ""),
                c.tenure,
                _num(c.figures.nps),
                _num(c.figures.ci_low),
                _num(c.figures.ci_high),
                c.figures.small_sample,
                c.responses,
                c.promoters,
                c.passives,
                c.detractors,
                c.invitations,
                c.answered_invitations,
                _num(c.response_rate, 4),
            ]
            for row in report.matrix
            for c in row.cells
        ),
    )


@dataclass(frozen=True)
class QueryForm:
    """What the analysis' filter bar shows: the choices and the values chosen (as typed when
    the query was refused)."""

    cuts: tuple[tuple[str, str], ...]
    periods: tuple[tuple[str, str], ...]
    cut: str
    period: str
    first: str
    last: str


CSV_TABLES = ("nps", "csat", "matrix")  # in CsvLinks' order


@dataclass(frozen=True)
class CsvLinks:
    """The page's three CSV downloads (query strings)."""

    nps: str
    csat: str
    matrix: str


def _query_form(query: AnalysisQuery | None, params: Any) -> QueryForm:
    return QueryForm(
        cuts=(
            ("all", _("All answers")),
            ("segment", _("Segment")),
            ("product", _("Product")),
            ("phase", _("Lifecycle phase")),
            ("tenure", _("Tenure")),
        ),
        periods=(
            ("month", _("Month")),
            ("quarter", _("Fiscal quarter")),
            ("fiscal_year", _("Fiscal year")),
        ),
        cut=query.cut if query else str(params.get("cut", "")),
        period=query.period if query else str(params.get("period", "")),
        first=query.first.isoformat() if query else str(params.get("from", "")),
        last=query.last.isoformat() if query else str(params.get("to", "")),
    )


@login_required
def nps_page(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    try:
        query = analysis.parse_query(request.GET)
    except QueryRefused as refusal:
        context = {
            "nav": "surveys",
            "form": _query_form(None, request.GET),
            "error": refusal.message,
            "as_of": timezone.now(),
        }
        return render(request, "surveys/nps.html", context, status=400)
    report = analysis.report(query)
    labels = value_labels(query.cut, {c.value for c in report.nps} | {c.value for c in report.csat})
    table = request.GET.get("table", "nps")
    if request.GET.get("format") == "csv":
        if table == "matrix":
            return _matrix_csv(report)
        if table == "csat":
            return _csat_csv(report)
        return _nps_csv(report, labels)
    base = {"cut": query.cut, "period": query.period, "from": query.first, "to": query.last}
    context = {
        "nav": "surveys",
        "form": _query_form(query, request.GET),
        "query": query,
        "report": report,
        "matrix": _matrix(report),
        "tenures": tuple(tenure_labels().items()),
        "nps_rows": _rows(report.nps, query, labels, "nps"),
        "csat_rows": _rows(report.csat, query, labels, "csat"),
        "chart": nps_trend_chart(report.nps, labels),
        "csv": CsvLinks(
            *("?" + urlencode(base | {"format": "csv", "table": name}) for name in CSV_TABLES)
        ),
        "min_responses": analysis.DEFAULT_MIN_RESPONSES,
        "as_of": timezone.now(),
    }
    return render(request, "surveys/nps.html", context)


def _drill_title(drill: analysis.DrillQuery) -> list[str]:
    parts = [_("NPS") if drill.kind == "nps" else _("CSAT")]
    if drill.segment is not None:
        parts.append(value_labels("segment", [drill.segment])[drill.segment])
    if drill.product is not None:
        product = None if drill.product == NONE else int(drill.product)
        parts.append(product_labels([product])[product])
    if drill.phase is not None:
        parts.append(value_labels("phase", [drill.phase])[drill.phase])
    if drill.tenure is not None:
        parts.append(tenure_labels()[drill.tenure])
    return parts


ANSWERS_CSV = (
    "id", "answered_at", "account_id", "account", "product_id", "kind", "score", "tenure_days",
    "comment",
)  # fmt: skip


@login_required
def nps_answers(request: AuthedRequest) -> HttpResponse:
    """The answers one cell counted (its count equals the cell's responses)."""
    _require_view(request)
    try:
        drill = analysis.parse_drill(request.GET)
    except QueryRefused as refusal:
        return render(
            request,
            "surveys/nps_answers.html",
            {"nav": "surveys", "error": refusal.message},
            status=400,
        )
    zone = company_zone()
    found = analysis.drill_answers(drill, zone)
    if request.GET.get("format") == "csv":
        return _csv_response(
            "survey-answers",
            ANSWERS_CSV,
            (
                [
                    a.pk,
                    timezone.localtime(a.answered_at, zone).isoformat(),
                    a.account_id,
                    a.account.name,
                    _value_text(a.product_id),
                    a.kind,
                    a.score,
                    _value_text(a.tenure_days),
                    a.comment,
                ]
                for a in found.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: v for k, v in request.GET.items() if k not in {"page", "format"}}
    context = {
        "nav": "surveys",
        "drill": drill,
        "title": " · ".join(_drill_title(drill)),
        "page": page,
        "count": page.paginator.count,
        "params": urlencode(params),
        "zone": zone,
    }
    return render(request, "surveys/nps_answers.html", context)


# -- comments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentView:
    answer: SurveyAnswer
    pieces: list[Piece]
    tags: list[tuple[str, str]]  # (topic name, matched keyword)


def _comment_view(
    answer: SurveyAnswer, names: dict[str, str], matches: Sequence[TopicMatch]
) -> CommentView:
    return CommentView(
        answer=answer,
        pieces=highlight(answer.comment, matches),
        tags=[(names.get(m.topic, m.topic), m.keyword) for m in matches],
    )


def _topic_q(topic: SurveyTopic) -> Q:
    """A first filter in the database: the comment contains one of the keywords (normalised);
    the tagger then confirms each (an English keyword must start a word)."""
    q = Q(pk__in=[])
    for keyword in topic.keywords or []:
        folded = normalize_text(keyword)
        if folded:
            q |= Q(comment_normalized__contains=folded)
    return q


@dataclass(frozen=True)
class CommentFilters:
    """The comment search's filters as the member typed them (shown back in the form)."""

    category: str
    product: str
    first: str
    last: str


@login_required
def comments_page(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    params = request.GET
    errors: list[str] = []
    try:
        drill = analysis.parse_drill(params, default_kind=None)
    except QueryRefused as refusal:
        errors.append(refusal.message)
        drill = None
    text = analysis.clean_text(params.get("q") or "")[:MAX_QUERY]
    topics = active_topics()
    topic_key = (params.get("topic") or "").strip()
    chosen = next((t for t in topics if t.key == topic_key), None)
    if topic_key and chosen is None:
        errors.append(_("Unknown topic."))
    context: dict[str, Any] = {
        "nav": "surveys",
        "topics": topics,
        "products": Product.objects.order_by("code"),
        "categories": [
            ("promoter", _("Promoters (9–10)")),
            ("passive", _("Passives (7–8)")),
            ("detractor", _("Detractors (0–6)")),
        ],
        "q": text,
        "topic": topic_key,
        "params": CommentFilters(
            category=str(params.get("category", "")),
            product=str(params.get("product", "")),
            first=str(params.get("from", "")),
            last=str(params.get("to", "")),
        ),
        "can_edit": can_edit_survey_topics(request.user),
    }
    if errors or drill is None:
        context["errors"] = errors
        return render(request, "surveys/comments.html", context, status=400)
    found: QuerySet[SurveyAnswer] = analysis.drill_answers(drill).exclude(comment="")
    for word in normalize_text(text).split(" "):
        if word:
            found = found.filter(comment_normalized__contains=word)
    compiled = tagger(topics)
    names = {t.key: t.name for t in topics}
    if chosen is not None:
        kept: list[SurveyAnswer] = []
        for answer in found.filter(_topic_q(chosen))[:MAX_TOPIC_CANDIDATES]:
            if any(match.topic == chosen.key for match in compiled.tag(answer.comment)):
                kept.append(answer)
        page = Paginator(kept, PAGE_SIZE).get_page(params.get("page"))
    else:
        page = Paginator(found, PAGE_SIZE).get_page(params.get("page"))
    views = [_comment_view(a, names, compiled.tag(a.comment)) for a in page.object_list]
    rest = {k: v for k, v in params.items() if k != "page"}
    context |= {
        "drill": drill,
        "page": page,
        "count": page.paginator.count,
        "comments": views,
        "rest": urlencode(rest),
        "zone": company_zone(),
    }
    return render(request, "surveys/comments.html", context)


# -- topics --------------------------------------------------------------------------------------


@login_required
def topic_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    topics = SurveyTopic.objects.order_by("position", "id")
    if request.GET.get("format") == "csv":
        return _csv_response(
            "survey-topics",
            ("key", "name_ja", "name_en", "active", "keywords"),
            ([t.key, t.name_ja, t.name_en, t.active, " | ".join(t.keywords)] for t in topics),
        )
    context = {"nav": "surveys", "topics": topics, "can_edit": can_edit_survey_topics(request.user)}
    return render(request, "surveys/topics.html", context)


@dataclass(frozen=True)
class TopicValues:
    """A topic's fields as the edit form shows them (its keywords are shown as text)."""

    key: str
    name_ja: str
    name_en: str
    active: bool
    position: int


def _topic_values(post: Any) -> dict[str, Any]:
    try:
        position = min(max(int(post.get("position") or 0), 0), 32767)
    except ValueError:
        position = 0
    return {
        "key": (post.get("key") or "").strip()[:40],
        "name_ja": (post.get("name_ja") or "").strip()[:60],
        "name_en": (post.get("name_en") or "").strip()[:60],
        "keywords": parse_keywords(post.get("keywords") or "")[:101],
        "active": post.get("active") == "on",
        "position": position,
    }


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for found in error.message_dict.values() for m in found]
    return list(error.messages)


NEW_TOPIC: dict[str, Any] = {
    "key": "",
    "name_ja": "",
    "name_en": "",
    "keywords": [],
    "active": True,
    "position": 0,
}


def _topic_editor(request: AuthedRequest, topic: SurveyTopic | None) -> HttpResponse:
    if not can_edit_survey_topics(request.user):
        raise PermissionDenied
    errors: list[str] = []
    values: dict[str, Any] = (
        {
            "key": topic.key,
            "name_ja": topic.name_ja,
            "name_en": topic.name_en,
            "keywords": topic.keywords,
            "active": topic.active,
            "position": topic.position,
        }
        if topic
        else {
            "key": "",
            "name_ja": "",
            "name_en": "",
            "keywords": [],
            "active": True,
            "position": 0,
        }
    )
    if request.method == "POST":
        values = _topic_values(request.POST)
        if topic is not None:
            values["key"] = topic.key  # the key names the topic in links; it stays
        try:
            saved = topic_save(actor=request.user, topic=topic, values=values)
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, _("Topic saved."))
            return redirect("surveys:topic_edit", saved.pk)
    context = {
        "nav": "surveys",
        "topic": topic,
        "values": TopicValues(
            key=str(values["key"]),
            name_ja=str(values["name_ja"]),
            name_en=str(values["name_en"]),
            active=bool(values["active"]),
            position=int(values["position"]),
        ),
        "keywords_text": "\n".join(values["keywords"]),
        "errors": errors,
    }
    return render(request, "surveys/topic_edit.html", context, status=400 if errors else 200)


@login_required
def topic_create(request: AuthedRequest) -> HttpResponse:
    return _topic_editor(request, None)


@login_required
def topic_edit(request: AuthedRequest, topic_id: int) -> HttpResponse:
    _require_view(request)
    return _topic_editor(request, get_object_or_404(SurveyTopic, pk=topic_id))
