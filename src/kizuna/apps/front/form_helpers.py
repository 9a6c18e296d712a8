"""Form helpers every app's pages use: the one form page (``form_page``, and
``account_form_page`` for a form about one account) and the confirmation box of an
irreversible action (``confirmed``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _


def form_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    heading: str,
    cancel_url: str,
    nav: str = "accounts",
    back_label: str = "",
    **extra: Any,
) -> HttpResponse:
    """The one form layout (front/form_page.html); 400 when the form has errors, so a test or
    a script sees the rejection, and the page says nothing was saved. The breadcrumb names the
    page the form comes from (``back_label``, linked to ``cancel_url``), else the account list
    (and the account, when the form is about one)."""
    context = {
        "form": form,
        "heading": heading,
        "cancel_url": cancel_url,
        "nav": nav,
        "back_label": back_label,
        **extra,
    }
    return render(request, "front/form_page.html", context, status=400 if form.errors else 200)


def account_form_page(
    request: HttpRequest, form: BaseForm, *, heading: str, account: Any
) -> HttpResponse:
    """A form about one account: cancel goes back to the account page."""
    cancel_url = reverse("customers:account_detail", args=[account.pk])
    return form_page(request, form, heading=heading, cancel_url=cancel_url, account=account)


CONFIRM_FIELD = "confirm"


def confirmed(request: HttpRequest) -> bool:
    """Whether the confirmation box of an irreversible action (front/_confirm.html) was
    ticked. It is a required checkbox, so browsers ask for it without JavaScript; when a
    request comes without it, the member is told and nothing is done."""
    if request.POST.get(CONFIRM_FIELD) == "yes":
        return True
    messages.error(request, _("Tick the confirmation box first. Nothing has been changed."))
    return False


def form_action_run(form: BaseForm, action: Callable[[dict[str, Any]], object]) -> bool:
    """Validate ``form`` and run ``action(cleaned_data)``: True when it ran. A value the
    action refuses (``ValidationError`` keyed by field, in the member's language) comes back
    on the form, on its field when the form has one, else above it."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return False
    return True
