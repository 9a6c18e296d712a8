"""The survey e-mail: written in the contact's language, with the signed link, sent through
Django's default mailer (the SMTP server ``KIZUNA_EMAIL_*`` configures), as notifications are.

It names the company that asks and the question's program, nothing else about the account.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kizuna.apps.surveys.models import SurveyInvitation
from kizuna.apps.surveys.tokens import invitation_token
from kizuna.apps.tenant.selectors import tenant_settings_get


class SendFailed(Exception):
    pass


def invitation_link(invitation: SurveyInvitation) -> str:
    """The absolute link of the invitation's answer page."""
    path = reverse("surveys_public:answer", args=[invitation_token(invitation)])
    return f"{settings.BASE_URL}{path}"


def invitation_email(invitation: SurveyInvitation, *, reminder: bool) -> EmailMultiAlternatives:
    company = tenant_settings_get().company_name
    program = invitation.program
    with translation.override(invitation.language or "ja"):
        expires = (
            formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
            if invitation.expires_at
            else ""
        )
        subject = (
            _("Reminder: %(company)s would like your opinion")
            if reminder
            else _("%(company)s would like your opinion")
        ) % {"company": company}
        body = "\n\n".join(
            [
                _("Dear %(name)s,") % {"name": invitation.contact.name},
                program.question_in(invitation.language),
                _("Answer in one click (no sign-in needed): %(link)s")
                % {"link": invitation_link(invitation)},
                _("The link works until %(date)s.") % {"date": expires},
                str(company),
            ]
        )
    return EmailMultiAlternatives(
        " ".join(subject.split()), body + "\n", to=[invitation.contact.email]
    )


def invitation_email_send(*, invitation: SurveyInvitation, reminder: bool) -> None:
    """Send the invitation's e-mail (or its reminder); ``SendFailed`` when the server refuses
    or cannot be reached."""
    if not invitation.contact.email:
        raise SendFailed("the contact has no e-mail")
    message = invitation_email(invitation, reminder=reminder)
    try:
        mailers.default.send_messages([message])
    except (OSError, smtplib.SMTPException) as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from error
