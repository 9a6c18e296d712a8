"""Health pages: the portfolio, score models with their backtest, the editor, sentiment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from kizuna.apps.customers.access import access_account
from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.health import charts, selectors, uploads
from kizuna.apps.health.forms import (
    BandsForm,
    ComponentFormSet,
    SentimentForm,
    UploadBacktestForm,
    bands_initial,
    components_initial,
    spec_from,
)
from kizuna.apps.health.models import ScoreModelVersion
from kizuna.apps.health.services import (
    Backtest,
    backtest_from_json,
    health_backtest_recent,
    health_backtest_store,
    health_backtest_stored,
    score_model_draft_create,
    score_model_publish,
    sentiment_set,
)
from kizuna.apps.org.access import can_manage_tenant, can_raise_csql, can_upload_backtest
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.health.model import ScoreModel

DROPPED_PAGE_SIZE = 50


@login_required
def portfolio(request: AuthedRequest) -> HttpResponse:
    by = request.GET.get("by", "segment")
    if by not in ("segment", "team", "csm"):
        by = "segment"
    dropped = Paginator(selectors.grade_drops(), DROPPED_PAGE_SIZE).get_page(
        request.GET.get("dropped_page")
    )
    context = {
        "nav": "health",
        "by": by,
        "dropped": selectors.grade_drop_rows(dropped.object_list),
        "dropped_page": dropped,
        "portfolio": selectors.portfolio(by=by),
    }
    return render(request, "health/portfolio.html", context)


@login_required
def approach(request: AuthedRequest) -> HttpResponse:
    """Accounts ready for an expansion conversation (the approach score), with reasons."""
    rows = selectors.approach_list(today=tenant_today())
    raisable = {r.account.pk for r in rows if can_raise_csql(request.user, r.account)}
    context = {"nav": "health", "rows": rows, "raisable": raisable}
    return render(request, "health/approach.html", context)


@login_required
def models(request: AuthedRequest) -> HttpResponse:
    context = {
        "nav": "health",
        "models": ScoreModelVersion.objects.select_related("created_by"),
        "can_edit": can_manage_tenant(request.user),
    }
    return render(request, "health/models.html", context)


def _report(result: Backtest) -> dict[str, Any]:
    churn = result.churn
    main = churn[min(churn)]
    return {
        "bt": result,
        "main": main,
        "results": sorted(churn.items()),
        "roc": charts.roc(main),
        "bars": charts.grade_bars(main),
        "leads": charts.lead_histogram(main),
        "voc_sentence": selectors.voc_sentence(result.voc) if result.voc is not None else "",
    }


@login_required
def model_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A version's components and its backtest as the daily job stored it (``as of`` its
    computation); without a stored one, a button to compute it now."""
    model = get_object_or_404(ScoreModelVersion, pk=pk)
    core = model.as_core()
    stored = health_backtest_stored(version=model)
    context = {
        "nav": "health",
        "model": model,
        "core": core,
        "model_components": selectors.model_components(core),
        "can_edit": can_manage_tenant(request.user),
        "can_upload": can_upload_backtest(request.user),
        "upload_form": UploadBacktestForm(),
        # the stored backtest's day and time, not the row: its result is only read as a Backtest
        "backtest_as_of": stored.as_of if stored is not None else None,
        "backtest_computed_at": stored.computed_at if stored is not None else None,
        **(_report(backtest_from_json(stored.result)) if stored is not None else {}),
    }
    return render(request, "health/model.html", context)


@login_required
@require_POST
def model_backtest(request: AuthedRequest, pk: int) -> HttpResponse:
    """Compute the version's backtest now and store it (asked for on its page when the daily
    job has not stored one yet)."""
    model = get_object_or_404(ScoreModelVersion, pk=pk)
    health_backtest_store(version=model, today=tenant_today())
    return redirect("health:model", pk=pk)


@login_required
def model_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Edit a copy of a version: preview its grades and backtest; save it as a draft."""
    if not can_manage_tenant(request.user):
        raise PermissionDenied
    base = get_object_or_404(ScoreModelVersion, pk=pk)
    spec = base.spec
    bound = request.method == "POST"
    components = ComponentFormSet(
        request.POST if bound else None, prefix="c", initial=components_initial(spec)
    )
    bands = BandsForm(
        request.POST if bound else None, initial=bands_initial(spec, segment=base.segment)
    )
    context: dict[str, Any] = {
        "nav": "health",
        "base": base,
        "components": components,
        "bands": bands,
    }
    status = 200
    if bound:
        if components.is_valid() and bands.is_valid():
            draft = spec_from(
                components, bands, {k: v for k, v in spec.items() if k == "grade_cuts"}
            )
            try:
                core = ScoreModel.from_dict(draft)
            except ValueError as error:
                context["error"] = str(error)
                status = 400
            else:
                if request.POST.get("action") == "save":
                    saved = score_model_draft_create(
                        actor=request.user,
                        base=base,
                        segment=bands.cleaned_data.get("segment") or "",
                        spec=draft,
                        note=bands.cleaned_data.get("note", ""),
                    )
                    messages.success(
                        request,
                        _("Saved as draft version %(v)s. Check its backtest, then publish it.")
                        % {"v": saved.version},
                    )
                    return redirect("health:model", pk=saved.pk)
                today = tenant_today()
                context["core"] = core
                context["model_components"] = selectors.model_components(core)
                context["preview"] = selectors.grade_preview(model=core, today=today)
                context.update(_report(health_backtest_recent(model=core, today=today)))
                context["current"] = health_backtest_recent(
                    model=base.as_core(), today=today, version=base
                )
        else:
            status = 400
    return render(request, "health/model_edit.html", context, status=status)


@csrf_exempt  # checked by ``_upload_backtest``, once the body may be read
@login_required
@require_POST
def model_upload_backtest(request: AuthedRequest, pk: int) -> HttpResponse:
    """Backtest the version against a table the analyst brings (CSV or Parquet). Who may, and
    the announced size, are checked before the body is read (the CSRF check would read it)."""
    if not can_upload_backtest(request.user):
        raise PermissionDenied
    model = get_object_or_404(ScoreModelVersion, pk=pk)
    if uploads.request_too_large(request.META.get("CONTENT_LENGTH")):
        context = _upload_context(model, UploadBacktestForm())
        context["upload_error"] = uploads.too_large_message()
        return render(request, "health/upload_backtest.html", context, status=413)
    return _upload_backtest(request, model)


def _upload_context(model: ScoreModelVersion, form: UploadBacktestForm) -> dict[str, Any]:
    core = model.as_core()
    components = selectors.model_components(core)
    return {
        "nav": "health",
        "model": model,
        "core": core,
        "form": form,
        "model_components": components,
    }


@csrf_protect
def _upload_backtest(request: AuthedRequest, model: ScoreModelVersion) -> HttpResponse:
    form = UploadBacktestForm(request.POST, request.FILES)
    context = _upload_context(model, form)
    if not form.is_valid():
        return render(request, "health/upload_backtest.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        result = uploads.backtest_upload(
            model=context["core"],
            upload=upload,
            outcome=form.cleaned_data["outcome"],
            horizon=form.cleaned_data["horizon"],
        )
    except ValidationError as error:
        form.add_error("file", error)
        return render(request, "health/upload_backtest.html", context, status=400)
    context.update(_report(result))
    context["uploaded"] = upload.name
    return render(request, "health/upload_backtest.html", context)


@login_required
@require_POST
def model_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(ScoreModelVersion, pk=pk)
    if not can_manage_tenant(request.user):
        raise PermissionDenied
    if not confirmed(request):
        return redirect("health:model", pk=pk)
    try:
        score_model_publish(actor=request.user, model=model)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Published. It scores from the next daily run; earlier scores stay as they were."),
        )
    return redirect("health:model", pk=pk)


@login_required
@require_POST
def sentiment(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    today = tenant_today()
    form = SentimentForm(request.POST, today=today)
    if form.is_valid():
        try:
            sentiment_set(
                actor=request.user,
                account=account,
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
                today=today,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Sentiment saved; it counts from the next daily score."))
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
    return redirect("customers:account_detail", account_id=account.pk)
