"""The feedback pages: the board of feature requests (per product and product owner, by MRR
weight), the list of every feedback, logging one (from a touchpoint or the account page),
opening and correcting a request, its page (requesting accounts, feedback, history) and its
status move, confirmed when it cannot be undone. Every table downloads as CSV
(``?format=csv``, and ``&table=`` on pages with several). Views translate HTTP; the work is in
``feedback.services`` and ``feedback.selectors``; permissions in ``org.access``."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.models import Account
from kizuna.apps.feedback import selectors, services
from kizuna.apps.feedback.access import access_feature_request, may_decide, may_edit
from kizuna.apps.feedback.forms import (
    BoardFilterForm,
    FeedbackFilterForm,
    LinkForm,
    RequestForm,
    StatusForm,
    feedback_form,
)
from kizuna.apps.feedback.models import FeatureRequest, Feedback, FeedbackSource
from kizuna.apps.front.form_helpers import confirmed, form_page
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    can_create_feature_request,
    can_log_feedback,
    can_view_feedback,
)
from kizuna.apps.touchpoints.access import access_touchpoint
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core import feedback as core

PAGE_SIZE = 50


def _require_view(request: AuthedRequest) -> None:
    if not can_view_feedback(request.user):
        raise PermissionDenied


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kizuna-{name}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _board_filters(request: AuthedRequest) -> tuple[BoardFilterForm, selectors.RequestFilters]:
    form = BoardFilterForm(request.GET or None)
    if not form.is_valid():
        return form, selectors.RequestFilters()
    data = form.cleaned_data
    return form, selectors.RequestFilters(
        status=data["status"] or None, product=data["product"], owner=data["owner"]
    )


REQUEST_CSV_HEADER = (
    "id", "product", "product_owner", "title", "status", "accounts", "mrr_weight", "feedback",
    "created_at", "decided_at",
)  # fmt: skip


def _request_csv_row(row: selectors.RequestRow) -> list[Any]:
    r = row.request
    owner = r.product.owner.username if r.product.owner else ""
    return [r.pk, r.product.code, owner, r.title, r.status, row.accounts, row.mrr, row.feedback,
            _iso(r.created_at), _iso(r.decided_at)]  # fmt: skip


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    """Every feature request the filters keep, heaviest (MRR weight) first, and their sum per
    product and its owner; ``?format=csv`` downloads the requests, ``&table=products`` the
    per-product table."""
    _require_view(request)
    form, filters = _board_filters(request)
    rows = selectors.request_rows(filters)
    products = selectors.product_rows(rows)
    if request.GET.get("format") == "csv":
        if request.GET.get("table") == "products":
            return _csv(
                "feature-requests-by-product",
                ("product", "product_owner", "new", "planned", "shipped", "declined",
                 "open_mrr_weight"),
                ([p.product.code, p.product.owner.username if p.product.owner else "", p.new,
                  p.planned, p.shipped, p.declined, p.open_mrr] for p in products),
            )  # fmt: skip
        return _csv("feature-requests", REQUEST_CSV_HEADER, map(_request_csv_row, rows))
    context = {
        "nav": "feedback",
        "form": form,
        "rows": rows,
        "products": products,
        "can_create": can_create_feature_request(request.user),
    }
    return render(request, "feedback/board.html", context)


FEEDBACK_CSV_HEADER = (
    "id", "account_id", "account", "contact", "product", "feature_request_id", "source",
    "logged_by", "logged_at", "text",
)  # fmt: skip


def _feedback_csv_row(f: Feedback) -> list[Any]:
    return [f.pk, f.account_id, f.account.name, f.contact.name if f.contact else "",
            f.product.code if f.product else "", f.feature_request_id or "", f.source,
            f.created_by.username if f.created_by else "", _iso(f.created_at), f.text]  # fmt: skip


@login_required
def feedback_list(request: AuthedRequest) -> HttpResponse:
    """Every feedback, newest first, by product and whether it names a request (50 a page);
    ``?format=csv`` downloads all the filtered ones."""
    _require_view(request)
    form = FeedbackFilterForm(request.GET or None)
    filters = selectors.FeedbackFilters()
    if form.is_valid():
        linked = {"yes": True, "no": False}.get(form.cleaned_data["linked"])
        filters = selectors.FeedbackFilters(product=form.cleaned_data["product"], linked=linked)
    qs = selectors.feedback_filtered(filters)
    if request.GET.get("format") == "csv":
        return _csv("feedback", FEEDBACK_CSV_HEADER, map(_feedback_csv_row, qs.iterator()))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "feedback",
        "form": form,
        "page": page,
        "can_link": can_create_feature_request(request.user),
    }
    return render(request, "feedback/list.html", context)


@login_required
def feedback_link(request: AuthedRequest, feedback_id: int) -> HttpResponse:
    """Name the feature request a logged feedback asks for (triage from the list)."""
    _require_view(request)
    feedback = Feedback.objects.select_related("account").filter(pk=feedback_id).first()
    if feedback is None:
        raise Http404
    form = LinkForm(request.POST or None, requests=selectors.open_requests())
    form.fields["feature_request"].help_text = feedback.text[:300]  # what was said
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_link(
                actor=request.user,
                feedback=feedback,
                feature_request=form.cleaned_data["feature_request"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Feature request named."))
            return redirect("feedback:list")
    heading = _("Name the feature request: %(account)s") % {"account": feedback.account.name}
    return form_page(
        request,
        form,
        heading=heading,
        cancel_url=reverse("feedback:list"),
        nav="feedback",
        back_label=_("All feedback"),
    )


def _where_from(request: AuthedRequest) -> tuple[Account, Touchpoint | None]:
    """The account (``?account=``) or the touchpoint (``?touchpoint=``, its account) a
    feedback is logged on; 404 for a missing or malformed one."""
    params = request.POST if request.method == "POST" else request.GET
    touchpoint_id = params.get("touchpoint") or request.GET.get("touchpoint")
    if touchpoint_id:
        try:
            touchpoint = access_touchpoint(request.user, int(touchpoint_id))
        except (ValueError, OverflowError):
            raise Http404 from None
        return touchpoint.account, touchpoint
    try:
        account_id = int(params.get("account") or request.GET.get("account") or "")
    except (ValueError, OverflowError):
        raise Http404 from None
    return access_account(request.user, account_id), None


@login_required
def feedback_new(request: AuthedRequest) -> HttpResponse:
    """Log what an account said: from a touchpoint (``?touchpoint=<id>``) or from the account
    page (``?account=<id>``; its panel's small form posts here too)."""
    account, touchpoint = _where_from(request)
    if not can_log_feedback(request.user, account):
        raise PermissionDenied
    form = feedback_form(request.POST or None, account_id=account.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feedback_log(
                actor=request.user,
                account=account,
                text=data["text"],
                source=FeedbackSource.TOUCHPOINT if touchpoint else FeedbackSource.ACCOUNT_PAGE,
                contact=data.get("contact"),
                touchpoint=touchpoint,
                feature_request=data["feature_request"],
                product=data.get("product"),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Feedback logged."))
            return redirect(reverse("customers:account_detail", args=[account.pk]) + "#feedback")
    heading = _("Log feedback: %(account)s") % {"account": account.name}
    return form_page(
        request,
        form,
        heading=heading,
        cancel_url=reverse("customers:account_detail", args=[account.pk]),
        nav="feedback",
    )


@login_required
def request_new(request: AuthedRequest) -> HttpResponse:
    if not can_create_feature_request(request.user):
        raise PermissionDenied
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.feature_request_create(
                actor=request.user,
                product=data["product"],
                title=data["title"],
                description=data["description"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Feature request opened."))
            return redirect("feedback:request", created.pk)
    return form_page(
        request,
        form,
        heading=_("New feature request"),
        cancel_url=reverse("feedback:board"),
        nav="feedback",
        back_label=_("Feature requests"),
    )


@login_required
def request_edit(request: AuthedRequest, request_id: int) -> HttpResponse:
    feature_request = access_feature_request(request.user, request_id)
    if not may_edit(request.user, feature_request):
        raise PermissionDenied
    initial = {
        "product": feature_request.product_id,
        "title": feature_request.title,
        "description": feature_request.description,
    }
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.feature_request_update(
                actor=request.user,
                feature_request=feature_request,
                title=data["title"],
                description=data["description"],
                product=data["product"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Feature request saved."))
            return redirect("feedback:request", feature_request.pk)
    return form_page(
        request,
        form,
        heading=_("Edit the feature request"),
        cancel_url=reverse("feedback:request", args=[feature_request.pk]),
        nav="feedback",
    )


def _detail_csv(feature_request: FeatureRequest, table: str) -> HttpResponse:
    name = f"feature-request-{feature_request.pk}"
    if table == "feedback":
        rows = selectors.feedback_of_request(feature_request).select_related("product")
        return _csv(f"{name}-feedback", FEEDBACK_CSV_HEADER, map(_feedback_csv_row, rows))
    if table == "history":
        return _csv(
            f"{name}-history",
            ("from_status", "to_status", "changed_by", "changed_at", "note"),
            ([c.from_status, c.to_status, c.changed_by.username if c.changed_by else "",
              _iso(c.changed_at), c.note] for c in selectors.history_of(feature_request)),
        )  # fmt: skip
    return _csv(
        f"{name}-accounts",
        ("account_id", "account", "owner", "mrr", "feedback", "last_asked_at"),
        ([a.account.pk, a.account.name, a.account.owner.username if a.account.owner else "",
          a.mrr, a.feedback, _iso(a.last_asked)]
         for a in selectors.requesting_accounts(feature_request)),
    )  # fmt: skip


def _detail(
    request: AuthedRequest,
    feature_request: FeatureRequest,
    *,
    status: int = 200,
    status_form: BaseForm | None = None,
) -> HttpResponse:
    decide = may_decide(request.user, feature_request) and not feature_request.is_final
    context: dict[str, Any] = {
        "nav": "feedback",
        "feature_request": feature_request,
        "weight": selectors.request_weight(feature_request),
        "accounts": selectors.requesting_accounts(feature_request),
        "feedback": selectors.feedback_of_request(feature_request),
        "history": selectors.history_of(feature_request),
        "can_edit": may_edit(request.user, feature_request),
        "status_form": (status_form or StatusForm(current=feature_request.status))
        if decide
        else None,
        "irreversible": sorted(core.IRREVERSIBLE),
    }
    return render(request, "feedback/request.html", context, status=status)


@login_required
def request_detail(request: AuthedRequest, request_id: int) -> HttpResponse:
    """One request: its weight, requesting accounts, feedback and status history; each table
    downloads with ``?format=csv&table=accounts|feedback|history``."""
    feature_request = access_feature_request(request.user, request_id)
    if request.GET.get("format") == "csv":
        return _detail_csv(feature_request, request.GET.get("table", "accounts"))
    return _detail(request, feature_request)


@require_POST
@login_required
def request_status(request: AuthedRequest, request_id: int) -> HttpResponse:
    """Move the request's status: the product owner or an admin; shipping or declining, which
    cannot be undone, needs the confirmation box ticked."""
    feature_request = access_feature_request(request.user, request_id)
    if not may_decide(request.user, feature_request):
        raise PermissionDenied
    form = StatusForm(request.POST, current=feature_request.status)
    if not form.is_valid():
        return _detail(request, feature_request, status=400, status_form=form)
    target = form.cleaned_data["status"]
    if target in core.IRREVERSIBLE and not confirmed(request):
        return _detail(request, feature_request, status=400, status_form=form)
    try:
        services.feature_request_set_status(
            actor=request.user,
            feature_request=feature_request,
            status=target,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return _detail(request, feature_request, status=400, status_form=form)
    messages.success(request, _("Status changed."))
    return redirect("feedback:request", feature_request.pk)
