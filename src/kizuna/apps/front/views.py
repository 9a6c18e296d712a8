"""Pages every member sees: home, language switch. (Login/logout are Django's views.)"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
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
