"""The CSQL pages: the board (columns by state, filters, CSV), raising one from the approach
list or the account page, one CSQL with its attributed months and its state moves, the
conversion table (CSV too), the attribution window. Views translate HTTP; the work is in
``expansion.services`` and ``expansion.selectors``; permissions in ``org.access``."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.customers.access import access_account
from kizuna.apps.expansion import selectors, services
from kizuna.apps.expansion.access import access_csql
from kizuna.apps.expansion.forms import BoardFilterForm, HandForm, MoveForm, RaiseForm, SettingsForm
from kizuna.apps.expansion.models import Csql
from kizuna.apps.front.form_helpers import form_action_run, form_page
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    can_change_csql,
    can_edit_expansion_settings,
    can_raise_csql,
    csql_sales_owner_candidates,
)
from kizuna.apps.tenant.selectors import tenant_today


def _filters(request: AuthedRequest) -> tuple[BoardFilterForm, selectors.CsqlFilters]:
    form = BoardFilterForm(request.GET or None)
    if not form.is_valid():
        return form, selectors.CsqlFilters()
    data = form.cleaned_data
    return form, selectors.CsqlFilters(
        team=data["team"], raised_by=data["csm"], month=data["month"]
    )


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kizuna-{name}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return response


CSQL_CSV_HEADER = (
    "id", "account_id", "account", "product", "raised_by", "team", "raised_on", "state",
    "sales_owner", "lost_reason", "closed_on", "window_ends_on", "expansion_mrr",
)  # fmt: skip


def _csql_csv_row(c: Csql) -> list[Any]:
    return [
        c.pk, c.account_id, c.account.name, c.product.code if c.product else "",
        c.raised_by.username, c.team.code if c.team else "", c.raised_on.isoformat(), c.state,
        c.sales_owner_label, c.lost_reason, c.closed_on.isoformat() if c.closed_on else "",
        c.window_ends_on.isoformat() if c.window_ends_on else "", c.attributed_mrr,
    ]  # fmt: skip


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    """Every CSQL in a column per state, filtered by team, CSM and raise month; ``?format=csv``
    downloads the filtered CSQLs (all of them)."""
    form, filters = _filters(request)
    if request.GET.get("format") == "csv":
        rows = (_csql_csv_row(c) for c in selectors.csqls_filtered(filters).iterator())
        return _csv("csqls", CSQL_CSV_HEADER, rows)
    context = {
        "nav": "csqls",
        "form": form,
        "columns": selectors.csql_board(filters),
        "total": selectors.conversion_total(filters),
        "limit": selectors.COLUMN_LIMIT,
        "can_configure": can_edit_expansion_settings(request.user),
        "window": services.expansion_settings_get().window_months,
    }
    return render(request, "expansion/board.html", context)


@login_required
def conversion(request: AuthedRequest) -> HttpResponse:
    """Conversion and CS-sourced expansion MRR per CSM or team (``?cut=team``) and raise
    month; ``?format=csv`` downloads the table."""
    form, filters = _filters(request)
    cut: selectors.Cut = "team" if request.GET.get("cut") == "team" else "csm"
    rows, total = selectors.conversion_rows(filters, cut=cut)
    if request.GET.get("format") == "csv":
        return _csv(
            f"csql-conversion-{cut}",
            (cut, "month", "raised", "open", "won", "lost", "conversion", "expansion_mrr"),
            (
                [r.label, r.figures.month.strftime("%Y-%m") if r.figures.month else "",
                 r.figures.raised, r.figures.open, r.figures.won, r.figures.lost,
                 "" if r.figures.conversion is None else f"{r.figures.conversion:.4f}",
                 r.figures.expansion_mrr]
                for r in rows
            ),
        )  # fmt: skip
    context = {"nav": "csqls", "form": form, "rows": rows, "total": total, "cut": cut}
    return render(request, "expansion/conversion.html", context)


def _detail(
    request: AuthedRequest, csql: Csql, *, status: int = 200, **forms: BaseForm
) -> HttpResponse:
    change = can_change_csql(request.user, csql)
    candidates = csql_sales_owner_candidates()
    context: dict[str, Any] = {
        "nav": "csqls",
        "csql": csql,
        "reasons": selectors.reason_texts(csql.reasons),
        "months": csql.months.all(),
        "can_change": change and csql.is_open,
        "move_form": MoveForm(),
        "hand_form": HandForm(candidates=candidates),
    }
    context.update(forms)
    return render(request, "expansion/detail.html", context, status=status)


@login_required
def detail(request: AuthedRequest, csql_id: int) -> HttpResponse:
    return _detail(request, access_csql(request.user, csql_id))


def _apply(
    request: AuthedRequest,
    csql: Csql,
    form: BaseForm,
    name: str,
    action: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    if not can_change_csql(request.user, csql):
        raise PermissionDenied
    if form_action_run(form, action):
        messages.success(request, done)
        return redirect("expansion:detail", csql.pk)
    return _detail(request, csql, status=400, **{name: form})


@require_POST
@login_required
def move(request: AuthedRequest, csql_id: int) -> HttpResponse:
    csql = access_csql(request.user, csql_id)
    return _apply(
        request,
        csql,
        MoveForm(request.POST),
        "move_form",
        lambda d: services.csql_move(
            actor=request.user,
            csql=csql,
            state=d["state"],
            lost_reason=d["lost_reason"],
            lost_note=d["lost_note"],
        ),
        _("CSQL updated."),
    )


@require_POST
@login_required
def hand(request: AuthedRequest, csql_id: int) -> HttpResponse:
    csql = access_csql(request.user, csql_id)
    return _apply(
        request,
        csql,
        HandForm(request.POST, candidates=csql_sales_owner_candidates()),
        "hand_form",
        lambda d: services.csql_hand_to(
            actor=request.user,
            csql=csql,
            sales_owner=d["sales_owner"],
            sales_owner_name=d["sales_owner_name"],
        ),
        _("CSQL handed over."),
    )


def _with_promoter(prefill: selectors.Prefill, account_id: int, answer: str) -> selectors.Prefill:
    """``?answer=<id>``: a promoter's survey answer of the account adds its reason (score,
    comment) first; another id adds nothing."""
    if not answer.isdigit() or len(answer) > 18:
        return prefill
    reason = selectors.promoter_reason(account_id, int(answer))
    if reason is None:
        return prefill
    return selectors.Prefill(prefill.score, [reason, *prefill.reasons])


@login_required
def raise_csql(request: AuthedRequest) -> HttpResponse:
    """Raise a CSQL on ``?account=<id>``, the approach score's reasons copied in."""
    try:
        account_id = int(request.GET.get("account", ""))
    except ValueError:
        raise Http404 from None
    account = access_account(request.user, account_id)
    if not can_raise_csql(request.user, account):
        raise PermissionDenied
    prefill = selectors.approach_prefill(account.pk, today=tenant_today(request.tenant))
    prefill = _with_promoter(prefill, account.pk, request.GET.get("answer", ""))
    form = RaiseForm(request.POST or None, candidates=csql_sales_owner_candidates())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            csql = services.csql_raise(
                actor=request.user,
                account=account,
                product=data["product"],
                sales_owner=data["sales_owner"],
                sales_owner_name=data["sales_owner_name"],
                reasons=prefill.reasons,
                approach_score=prefill.score,
                note=data["note"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("CSQL raised and handed to sales."))
            return redirect("expansion:detail", csql.pk)
    context = {
        "nav": "csqls",
        "form": form,
        "account": account,
        "prefill": prefill,
        "reasons": selectors.reason_texts(prefill.reasons),
    }
    return render(request, "expansion/raise.html", context, status=400 if form.errors else 200)


@login_required
def settings_page(request: AuthedRequest) -> HttpResponse:
    """The attribution window (admins)."""
    if not can_edit_expansion_settings(request.user):
        raise PermissionDenied
    current = services.expansion_settings_get()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.expansion_settings_set(
            actor=request.user, window_months=form.cleaned_data["window_months"]
        )
        messages.success(request, _("Settings saved."))
        return redirect("expansion:board")
    return form_page(
        request,
        form,
        heading=_("CSQL settings"),
        cancel_url=reverse("expansion:board"),
        nav="csqls",
        back_label=_("CSQL board"),
    )
