"""The forms to create and edit accounts, contacts and subscription lines. Permissions go
through ``kizuna.apps.org.access``; writes through services. (The account list and the account
360 page combine several apps: they are ``kizuna.apps.pages``.)"""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from kizuna.apps.customers import services
from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.forms import (
    AccountEditForm,
    AccountForm,
    ContactForm,
    SubscriptionLineForm,
)
from kizuna.apps.front.form_helpers import form_page
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_change_phase, can_set_parent, require_account_create


def _save(form: BaseForm, write: Any) -> Any:
    """Run the service ``write``; a ValidationError it raises lands on the form (nothing saved)."""
    try:
        return write()
    except ValidationError as error:
        form.add_error(None, error)
        return None


@login_required
def account_create(request: AuthedRequest) -> HttpResponse:
    require_account_create(request.user)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = _save(
            form, partial(services.account_create, actor=request.user, data=form.cleaned_data)
        )
        if account is not None:
            messages.success(request, _("Account created."))
            return redirect("customers:account_detail", account.pk)
    return form_page(
        request, form, heading=_("New account"), cancel_url=reverse("customers:account_list")
    )


@login_required
def account_edit(request: AuthedRequest, account_id: int) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    form = AccountEditForm(
        request.POST or None,
        instance=copy.copy(account),
        may_change_phase=can_change_phase(request.user, account),
        may_set_parent=can_set_parent(request.user, account),
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            partial(
                services.account_update, actor=request.user, account=account, data=form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, _("Account saved."))
            return redirect("customers:account_detail", account.pk)
    detail = reverse("customers:account_detail", args=[account.pk])
    return form_page(request, form, heading=_("Edit account"), cancel_url=detail, account=account)


@login_required
def contact_edit(
    request: AuthedRequest, account_id: int, contact_id: int | None = None
) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    contact = account.contacts.filter(pk=contact_id).first() if contact_id else None
    if contact_id and contact is None:
        raise Http404
    form = ContactForm(request.POST or None, instance=copy.copy(contact) if contact else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if contact is None:
            write = partial(services.contact_create, actor=request.user, account=account, data=data)
        else:
            write = partial(services.contact_update, actor=request.user, contact=contact, data=data)
        if _save(form, write) is not None:
            messages.success(request, _("Contact saved."))
            return redirect("customers:account_detail", account.pk)
    heading = _("Edit contact") if contact else _("New contact")
    detail = reverse("customers:account_detail", args=[account.pk])
    return form_page(request, form, heading=heading, cancel_url=detail, account=account)


@login_required
def line_edit(request: AuthedRequest, account_id: int, line_id: int | None = None) -> HttpResponse:
    account = access_account(request.user, account_id, write=True)
    line = account.subscription_lines.filter(pk=line_id).first() if line_id else None
    if line_id and line is None:
        raise Http404
    currency = request.tenant.currency
    form = SubscriptionLineForm(
        request.POST or None, instance=copy.copy(line) if line else None, currency=currency
    )
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if line is None:
            write = partial(
                services.subscription_line_create, actor=request.user, account=account, data=data
            )
        else:
            write = partial(
                services.subscription_line_update, actor=request.user, line=line, data=data
            )
        if _save(form, write) is not None:
            messages.success(request, _("Subscription line saved."))
            return redirect("customers:account_detail", account.pk)
    heading = _("Edit subscription line") if line else _("New subscription line")
    detail = reverse("customers:account_detail", args=[account.pk])
    return form_page(request, form, heading=heading, cancel_url=detail, account=account)
