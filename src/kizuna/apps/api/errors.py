"""One machine-readable error shape for every error the API answers, 4xx and 500 alike.

``{"error": {"code": "invalid", "message": "…", "fields": {"field": ["message", …]}}}``

Messages are in the member's language (``kizuna.apps.api.auth`` switches to it once the token
is known; Japanese before that). An error nobody foresaw is logged with its traceback on the
``kizuna.api`` logger and answered ``server_error`` with status 500, never an HTML page.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kizuna.apps.api.messages import validation_message

logger = logging.getLogger("kizuna.api")

CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "too_many_requests",
}


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in {"body", "payload", "query", "path"}]
    return ".".join(parts) or "body"


def _http_error_message(exc: HttpError) -> str:
    # django-ninja's own words for a body it cannot parse are English; say it in ours.
    if str(exc).startswith("Cannot parse request body"):
        return _("The body is not valid JSON.")
    return str(exc)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            name = _field_name(error.get("loc", ()))
            fields.setdefault(name, []).append(validation_message(error))
        return api.create_response(
            request, error_body("invalid", _("The request has invalid fields."), fields), status=400
        )

    @api.exception_handler(DjangoValidationError)
    def invalid_data(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        fields = (
            {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"body": [str(m) for m in exc.messages]}
        )
        return api.create_response(
            request, error_body("invalid", _("The request has invalid fields."), fields), status=400
        )

    @api.exception_handler(DataError)
    def unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value the client sent (PostgreSQL: a NUL character in a text
        # or JSON value, a number out of range) after the schemas let it through.
        message = _("A value of the request cannot be stored (for example a NUL character).")
        return api.create_response(request, error_body("invalid", message), status=400)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = _("You do not have permission to change this.")
        return api.create_response(request, error_body("forbidden", message), status=403)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = _("A valid API token is required (Authorization: Bearer …).")
        return api.create_response(request, error_body("unauthenticated", message), status=401)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = CODES.get(exc.status_code, "bad_request")
        return api.create_response(
            request, error_body(code, _http_error_message(exc)), status=exc.status_code
        )

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        message = _("Something went wrong on our side. The error has been logged.")
        return api.create_response(request, error_body("server_error", message), status=500)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's ``handler500``: an error raised outside the API's views (a middleware, the URL
    resolver) is logged with its traceback here too; under ``/api/`` it is answered in the
    API's error shape, elsewhere by Django's plain 500 page."""
    logger.error("unhandled error in %s %s", request.method, request.path, exc_info=sys.exc_info())
    if request.path.startswith("/api/"):
        message = _("Something went wrong on our side. The error has been logged.")
        return JsonResponse(error_body("server_error", message), status=500)
    return defaults.server_error(request)
