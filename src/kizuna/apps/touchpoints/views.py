"""Logging a touchpoint from the account page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import access_account
from kizuna.apps.touchpoints.forms import TouchpointForm
from kizuna.apps.touchpoints.services import touchpoint_create


@login_required
def touchpoint_new(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    form = TouchpointForm(request.POST or None, account=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "contacts"}
        try:
            touchpoint_create(
                actor=request.user,
                account=account,
                data=data,
                contacts=list(form.cleaned_data["contacts"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Touchpoint logged."))
            next_url = request.GET.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                return redirect(next_url)
            return redirect("customers:account_detail", account.pk)
    context = {
        "form": form,
        "heading": _("Log a touchpoint"),
        "cancel_url": reverse("customers:account_detail", args=[account.pk]),
        "account": account,
        "nav": "accounts",
    }
    return render(request, "front/form_page.html", context, status=400 if form.errors else 200)
