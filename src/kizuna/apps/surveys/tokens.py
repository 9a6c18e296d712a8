"""The survey link's token: the invitation's id and nonce, signed with Django's signing
(``signing.dumps``: HMAC with the secret key, this module's salt and a timestamp).

A token is only as good as its invitation: the nonce must still be the invitation's (a new
nonce voids every earlier link) and the invitation's ``expires_at`` decides when the link
stops working. ``MAX_AGE`` is an outer bound on any token's age, whatever the database says.
"""

from __future__ import annotations

import datetime as dt
import hmac

from django.core import signing

from kizuna.apps.surveys.models import SurveyInvitation

SALT = "kizuna.surveys.link"
#: no link lives longer than the longest validity a program may set (90 days) plus a margin
MAX_AGE = dt.timedelta(days=100)
#: a token longer than this is not one of ours (nothing is unsigned from a huge string)
MAX_LENGTH = 200


def invitation_token(invitation: SurveyInvitation) -> str:
    """The signed token of the invitation's link (``/s/<token>/``)."""
    return signing.dumps([invitation.pk, invitation.nonce], salt=SALT, compress=False)


def invitation_from_token(token: str) -> SurveyInvitation | None:
    """The invitation a token names, or None when the token is malformed, tampered with,
    older than ``MAX_AGE`` or no longer the invitation's (another nonce, no such row).
    Expiry by ``expires_at`` is the caller's to check (the page says "expired" for it)."""
    if not token or len(token) > MAX_LENGTH:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return None
    if not (isinstance(data, list) and len(data) == 2):
        return None
    pk, nonce = data
    if isinstance(pk, bool) or not isinstance(pk, int) or not isinstance(nonce, str) or not nonce:
        return None
    invitation = SurveyInvitation.objects.select_related("program", "contact").filter(pk=pk).first()
    if invitation is None or not invitation.nonce:
        return None
    if not hmac.compare_digest(invitation.nonce.encode(), nonce.encode()):
        return None
    return invitation
