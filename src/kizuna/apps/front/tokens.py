"""The member's own API tokens: made and revoked here, checked by ``kizuna.apps.api.auth``.
(The page is the web shell's, like signing in and the language switch: org, which keeps the
tokens, sits below the shell; see docs/architecture.md.)"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.services import api_token_create, api_token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=100)


@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": request.user.api_tokens.all(),
        "nav": "tokens",
    }
    return render(request, "front/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    if confirmed(request) and api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, _("Token revoked."))
    return redirect("org:tokens")
