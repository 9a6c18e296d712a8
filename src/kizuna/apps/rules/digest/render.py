"""A digest as an e-mail (``digest_email``) and as a Slack message (``digest_slack``)."""

from __future__ import annotations

import html

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kizuna.apps.rules.digest.content import Digest, DigestSection
from kizuna.integrations.slack.digest import SlackDigestSection, slack_digest


def _absolute(link: str) -> str:
    return f"{settings.BASE_URL}{link}" if link.startswith("/") else link


def _more(section: DigestSection) -> str:
    hidden = section.count - len(section.items)
    return _("…and %(n)d more") % {"n": hidden} if hidden else ""


def digest_subject(digest: Digest) -> str:
    return _("[Kizuna] Your morning digest for %(day)s") % {"day": date_format(digest.day)}


def digest_email(digest: Digest, *, language: str) -> dict[str, str]:
    """The e-mail of the digest: subject, plain-text body and a simple HTML body, in
    ``language``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text: list[str] = []
        parts: list[str] = []
        for section in digest.sections:
            heading = f"{section.title} ({section.count})"
            text.append(f"■ {heading}")
            parts.append(f"<h2>{html.escape(heading)}</h2>\n<ul>")
            for item in section.items:
                url = _absolute(item.link)
                text.append(f"- {item.label}: {item.reason}\n  {url}")
                parts.append(
                    f'<li><a href="{html.escape(url)}">{html.escape(item.label)}</a>: '
                    f"{html.escape(item.reason)}</li>"
                )
            parts.append("</ul>")
            if more := _more(section):
                text.append(f"  {more}")
                parts.append(f"<p>{html.escape(more)}</p>")
            text.append("")
        footer = _("You receive this because of your notification settings: %(url)s") % {
            "url": _absolute(reverse("notify:preferences"))
        }
        text.append(footer)
        parts.append(f"<p>{html.escape(footer)}</p>")
        return {
            "subject": digest_subject(digest),
            "body": "\n".join(text) + "\n",
            "html": "<html><body>\n" + "\n".join(parts) + "\n</body></html>\n",
        }


def digest_slack(digest: Digest, *, language: str) -> dict[str, object]:
    """The Slack incoming-webhook message of the digest, in ``language``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        sections = [
            SlackDigestSection(
                title=f"{s.title} ({s.count})",
                lines=tuple((i.label, i.reason, _absolute(i.link)) for i in s.items),
                more=_more(s),
            )
            for s in digest.sections
        ]
        return slack_digest(
            title=digest_subject(digest).removeprefix("[Kizuna] "), sections=sections
        )
