"""The notification pages: the member's own list and preferences; for CS ops admins the
deliveries (with replay) and the webhook endpoints. Views translate HTTP; the work is in
``notify.services`` and ``notify.selectors``; permissions come from ``org.access``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.notify import selectors, services
from kizuna.apps.notify.forms import PreferenceForm, WebhookEndpointForm
from kizuna.apps.notify.models import Channel, Delivery, DeliveryState, WebhookEndpoint
from kizuna.apps.org.access import (
    can_manage_webhooks,
    can_use_notifications,
    can_view_deliveries,
)

PAGE_SIZE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    _require(can_use_notifications(request.user))
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notifications_for(request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "param": "page", "unread_only": unread_only, "nav": "notifications"}
    return render(request, "notify/list.html", context)


@login_required
@require_POST
def notifications_read(request: AuthedRequest) -> HttpResponse:
    """Mark one notification read (``id``) or all of the member's (``all``); another
    member's id changes nothing."""
    _require(can_use_notifications(request.user))
    if request.POST.get("all") == "1":
        services.notifications_mark_read(member=request.user)
    else:
        ids = [int(v) for v in request.POST.getlist("id") if v.isdigit() and len(v) < 19]
        services.notifications_mark_read(member=request.user, ids=ids)
    return redirect("notify:list")


@login_required
def preferences(request: AuthedRequest) -> HttpResponse:
    _require(can_use_notifications(request.user))
    current = selectors.preference_for(request.user)
    form = PreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in services.PREFERENCE_FIELDS}
        services.preference_update(member=request.user, **values)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notify:preferences")
    context = {"form": form, "nav": "notifications", "zone": request.tenant.time_zone}
    return render(request, "notify/preferences.html", context, status=400 if form.errors else 200)


@login_required
def delivery_list(request: AuthedRequest) -> HttpResponse:
    _require(can_view_deliveries(request.user))
    state = request.GET.get("state", "")
    channel = request.GET.get("channel", "")
    failing = request.GET.get("failing") == "1"
    rows = selectors.deliveries_list(
        state=state if state in DeliveryState.values else "",
        channel=channel if channel in Channel.values else "",
        failing=failing,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page, "param": "page", "failing": failing, "state": state,
        "channel": channel, "states": DeliveryState.choices, "channels": Channel.choices,
        "nav": "deliveries",
    }  # fmt: skip
    return render(request, "notify/deliveries.html", context)


@login_required
@require_POST
def delivery_replay_view(request: AuthedRequest, delivery_id: int) -> HttpResponse:
    _require(can_view_deliveries(request.user))
    delivery = get_object_or_404(Delivery, pk=delivery_id)
    if confirmed(request):
        try:
            services.delivery_replay(delivery=delivery)
        except services.CannotReplay as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("Sent again as a new delivery."))
    return redirect("notify:deliveries")


@login_required
def webhook_list(request: AuthedRequest) -> HttpResponse:
    _require(can_manage_webhooks(request.user))
    form = WebhookEndpointForm(request.POST or None)
    created: WebhookEndpoint | None = None
    if request.method == "POST" and form.is_valid():
        created = services.webhook_endpoint_create(
            url=form.cleaned_data["url"],
            description=form.cleaned_data["description"],
            event_types=form.cleaned_data["event_types"],
            by=request.user,
        )
        form = WebhookEndpointForm()
    context = {
        "form": form, "created": created, "endpoints": selectors.webhook_endpoints_list(),
        "nav": "deliveries",
    }  # fmt: skip
    return render(request, "notify/webhooks.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def webhook_deactivate(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    _require(can_manage_webhooks(request.user))
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    if confirmed(request):
        services.webhook_endpoint_deactivate(endpoint=endpoint)
        messages.success(request, _("The endpoint is deactivated: nothing more is sent to it."))
    return redirect("notify:webhooks")
