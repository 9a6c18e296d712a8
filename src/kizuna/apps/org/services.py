"""Writes to members and their API tokens."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kizuna.apps.org.models import ApiToken, User
from kizuna.apps.org.tokens import token_generate, token_hash


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with the secret, which is shown only once."""
    raw = token_generate()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=token_hash(raw))
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> bool:
    changed = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return changed == 1
