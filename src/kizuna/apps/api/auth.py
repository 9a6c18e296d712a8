"""API token authentication: ``Authorization: Bearer kz_…``. Once the token names its member,
the API answers in the member's language (validation messages included)."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.security import HttpBearer

from kizuna.apps.org.middleware import language_for
from kizuna.apps.org.models import ApiToken, User
from kizuna.apps.org.tokens import token_hash


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.LANGUAGE_CODE = language_for(request)
        translation.activate(request.LANGUAGE_CODE)
        return found.user
