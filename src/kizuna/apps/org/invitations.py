"""The invitation e-mail: a link to the page where a new member sets their password.

The link carries Django's password-reset token (``default_token_generator``): it works for
``PASSWORD_RESET_TIMEOUT`` (``KIZUNA_INVITATION_DAYS``, 7 days by default) and only until the
password is set, since the token is made from the password hash. The e-mail is written in the
member's language (Japanese unless they are set to English) and sent through Django's default
mailer (``MAILERS``: the ``KIZUNA_EMAIL_*`` settings); links start with ``KIZUNA_BASE_URL``.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kizuna.apps.org.models import User


class InvitationNotSent(Exception):
    """The mail server refused the invitation or could not be reached (the message says which
    server and why); the caller's transaction rolls the new member back."""


def invitation_link(member: User) -> str:
    """The member's set-password page (``front:set_password``), absolute."""
    path = reverse(
        "front:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(member.pk)),
            "token": default_token_generator.make_token(member),
        },
    )
    return f"{settings.BASE_URL}{path}"


def invitation_message(member: User, *, link: str, company_name: str) -> EmailMessage:
    """The e-mail, subject and body in the member's language."""
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600))
    context = {"member": member, "link": link, "company": company_name, "days": days}
    with translation.override(member.language or settings.LANGUAGE_CODE):
        subject = render_to_string("org/invitation_subject.txt", context)
        body = render_to_string("org/invitation_email.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[member.email])


def invitation_send(
    member: User, *, company_name: str, connection: BaseEmailBackend | None = None
) -> str:
    """Send the member their invitation; returns the link. Raises InvitationNotSent."""
    link = invitation_link(member)
    message = invitation_message(member, link=link, company_name=company_name)
    try:
        (connection or mailers.default).send_messages([message])
    except (OSError, smtplib.SMTPException) as error:
        raise InvitationNotSent(
            f"the invitation to {member.email} could not be sent through "
            f"{mail_server()}: {error or type(error).__name__}"
        ) from error
    return link


def mail_server() -> str:
    """``host:port`` of the default mailer, for error messages (its backend's name if it
    is not SMTP)."""
    mailers_setting: dict[str, dict[str, Any]] = settings.MAILERS
    mailer = mailers_setting.get("default", {})
    options: dict[str, Any] = mailer.get("OPTIONS", {})
    if "host" in options:
        return f"{options['host']}:{options.get('port', 25)}"
    return str(mailer.get("BACKEND", "the default mailer"))
