"""Failed logins and lockouts into the audit trail (django-axes keeps its own tables too).

Connected in ``AuditConfig.ready``. Django sends ``user_login_failed`` for every refused login
(a wrong password, and any try while locked); django-axes sends ``user_locked_out`` when the
limit is reached and for every try while locked.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.http import HttpRequest

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_login_event


def _via(request: HttpRequest | None) -> str:
    match = getattr(request, "resolver_match", None)
    return "admin" if match is not None and match.namespace == "admin" else "web"


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_login_event(
        action=AuditAction.LOGIN_FAILED,
        username=str(credentials.get("username") or ""),
        ip_address=get_client_ip_address(request) if request is not None else None,
        via=_via(request),
    )


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str | None,
    **kwargs: Any,
) -> None:  # fmt: skip
    audit_login_event(
        action=AuditAction.LOCKED_OUT,
        username=username or "",
        ip_address=ip_address,
        via=_via(request),
    )
