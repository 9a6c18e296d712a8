"""Touch-model pages: the overview, segmentation reviews (preview, apply), exceptions."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.customers.access import access_account
from kizuna.apps.front.form_helpers import account_form_page, confirmed, form_page
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_change_segment, can_manage_tenant
from kizuna.apps.segments import selectors, services
from kizuna.apps.segments.forms import CoveragePolicyForm, SegmentExceptionForm, SegmentRuleForm
from kizuna.apps.segments.models import CoveragePolicy, ReviewStatus, SegmentReview, SegmentRule
from kizuna.apps.tenant.selectors import tenant_today


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    return _render_overview(request, form=None)


def _render_overview(request: AuthedRequest, *, form: SegmentRuleForm | None) -> HttpResponse:
    today = tenant_today(request.tenant)
    rule = selectors.segment_rule_in_force(on=today)
    if form is None:
        draft = SegmentRule(
            kind=rule.kind,
            high_share=rule.high_share,
            low_share=rule.low_share,
            high_min=rule.high_min,
            low_min=rule.low_min,
            effective_from=today,
            review_interval_months=rule.review_interval_months,
        )
        form = SegmentRuleForm(instance=draft)
    context = {
        "nav": "segments",
        "rule": rule,
        "segments": selectors.segment_overview(),
        "policies": selectors.coverage_policy_rows(),
        "reviews": selectors.reviews_latest(),
        "exceptions": selectors.exceptions_active(today=today)[:10],
        "form": form,
        "can_review": can_manage_tenant(request.user),
        "next_review": selectors.next_review_on(rule),
    }
    return render(request, "segments/overview.html", context, status=400 if form.errors else 200)


@login_required
def review_create(request: AuthedRequest) -> HttpResponse:
    """GET: preview the review a rule would give, saving nothing. POST (confirmed): save the
    rule and apply its review in one step."""
    if not can_manage_tenant(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form = SegmentRuleForm(data)
    if not form.is_valid():
        return _render_overview(request, form=form)
    rule = form.save(commit=False)
    if request.method == "POST":
        if not confirmed(request):
            return redirect(reverse("segments:review_create") + "?" + _rule_query(form))
        review = services.segment_rule_apply(
            actor=request.user, rule=rule, as_of=rule.effective_from
        )
        messages.success(
            request, _("Review applied: %(count)s accounts moved.") % {"count": len(review.moves)}
        )
        return redirect("segments:review", review.pk)
    review = services.segment_review_compute(rule=rule, as_of=rule.effective_from)
    return _render_review(request, review, rule_form=form)


def _rule_query(form: SegmentRuleForm) -> str:
    return urlencode({name: form.data.get(name, "") for name in form.fields})


@login_required
def review_detail(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(
        SegmentReview.objects.select_related("rule", "applied_by"), pk=review_id
    )
    return _render_review(request, review, rule_form=None)


def _render_review(
    request: AuthedRequest, review: SegmentReview, *, rule_form: SegmentRuleForm | None
) -> HttpResponse:
    """A review page: a stored review, or (with ``rule_form``) the unsaved preview of a rule,
    whose apply form carries the rule."""
    page = Paginator(selectors.review_moved_accounts(review), 100).get_page(request.GET.get("page"))
    context = {
        "nav": "segments",
        "review": review,
        "rule_form": rule_form,
        "figures": review.figures,
        "pairs": selectors.review_pairs(review),
        "page": page,
        "rows": selectors.review_moved_rows(review, page.object_list),
        "load": selectors.review_load_after(review)[:30],
        "can_apply": can_manage_tenant(request.user) and review.status == ReviewStatus.PREVIEW,
    }
    return render(request, "segments/review.html", context)


@login_required
@require_POST
def review_apply(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(SegmentReview, pk=review_id)
    if not can_manage_tenant(request.user):
        raise PermissionDenied
    if not confirmed(request):
        return redirect("segments:review", review.pk)
    try:
        moved = services.segment_review_apply(actor=request.user, review=review)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Review applied: %(count)s accounts moved.") % {"count": moved})
    return redirect("segments:review", review.pk)


@login_required
def exception_create(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    if not can_change_segment(request.user, account):
        raise PermissionDenied
    form = SegmentExceptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.segment_exception_create(
                actor=request.user,
                account=account,
                today=tenant_today(request.tenant),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Exception saved."))
            return redirect("customers:account_detail", account.pk)
    heading = _("Change the touch model by exception")
    return account_form_page(request, form, heading=heading, account=account)


@login_required
def exceptions_report(request: AuthedRequest) -> HttpResponse:
    today = tenant_today(request.tenant)
    context = {
        "nav": "segments",
        "exceptions": selectors.exceptions_active(today=today),
        "today": today,
    }
    return render(request, "segments/exceptions.html", context)


@login_required
def policy_edit(request: AuthedRequest, segment: str) -> HttpResponse:
    if not can_manage_tenant(request.user):
        raise PermissionDenied
    policy = get_object_or_404(CoveragePolicy, segment=segment)
    form = CoveragePolicyForm(request.POST or None, instance=copy.copy(policy))
    if request.method == "POST" and form.is_valid():
        services.coverage_policy_update(actor=request.user, policy=policy, data=form.cleaned_data)
        messages.success(request, _("Coverage policy saved."))
        return redirect("segments:overview")
    heading = _("Coverage policy: %(segment)s") % {"segment": policy.get_segment_display()}
    return form_page(
        request,
        form,
        heading=heading,
        cancel_url=reverse("segments:overview"),
        nav="segments",
        back_label=_("Touch model"),
    )
