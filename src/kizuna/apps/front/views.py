"""Pages every member sees: home, language switch, login (Django's, throttled by django-axes:
the locked-out page is :func:`login_locked_out`) and the invited member's set-password page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from kizuna.apps.org.landing import landing_url
from kizuna.apps.org.services import user_set_language

SUPPORTED = {code for code, _name in settings.LANGUAGES}


class LoginView(auth_views.LoginView):
    """Django's login, keeping the language chosen on the login page: the switch there sets
    the cookie, and signing in saves that choice on the member."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        language = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        user = self.request.user
        if language in SUPPORTED and language != getattr(user, "language", language):
            user_set_language(user=user, language=language)  # type: ignore[arg-type]
        return response


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """An invited member sets their password (Django's password-reset confirmation: the token
    works once and until ``PASSWORD_RESET_TIMEOUT``; the password validators of the settings
    apply), then signs in on the login page.

    The page speaks the language chosen with its switch (the cookie), else the member's own:
    the link names the member, so their errors read in their language from the first visit.
    An expired or used link gets a page that says so (``validlink`` false)."""

    template_name = "front/set_password.html"
    success_url = reverse_lazy("front:login")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        language = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        member = self.get_user(kwargs.get("uidb64", ""))
        if language not in SUPPORTED and member is not None:
            language = getattr(member, "language", "")
        if language in SUPPORTED:
            translation.activate(language)
            self.request.LANGUAGE_CODE = language
        response = super().dispatch(*args, **kwargs)
        response.headers["Content-Language"] = translation.get_language()
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        language = translation.get_language()
        if language in SUPPORTED and language != form.user.language:
            user_set_language(user=form.user, language=language)
        messages.success(
            self.request,
            gettext("Your password is set. Log in with your e-mail address and the new password."),
        )
        return response


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any]
) -> HttpResponse:
    """The login page again, saying the username or the address is locked and for how long
    (django-axes calls this once the limit is reached, and for every try while locked)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username")})
    context = {"form": form, "locked_out_minutes": minutes, "next": request.POST.get("next", "")}
    response = TemplateResponse(request, "front/login.html", context, status=429)
    return response.render()


def home(request: HttpRequest) -> HttpResponse:
    """``/`` and the landing after signing in: each member's own start page."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    return redirect(landing_url(request.user))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch between 日本語 and English: saved on the member, and in a cookie before login."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in SUPPORTED:
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response
