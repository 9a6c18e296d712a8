"""Error pages: branded, in the member's language, with the navigation. The API under
``/api/`` keeps answering its JSON error shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kizuna.apps.api.errors import error_body


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        message = _("You do not have permission to change this.")
        return JsonResponse(error_body("forbidden", message), status=403)
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale or cookie-less form: the 403 page says to reload (Django's page is English)."""
    if _is_api(request):
        message = _("You do not have permission to change this.")
        return JsonResponse(error_body("forbidden", message), status=403)
    return render(request, "403.html", {"csrf_failed": True}, status=403)
