"""A notification as a Slack incoming-webhook message: Block Kit blocks and a plain ``text``.

Slack shows ``text`` in the push notification and wherever blocks cannot be drawn, so it
carries the title and the body. The blocks are a ``header`` (the title, plain text), a
``section`` (the body, mrkdwn), a ``context`` line (what the caller says: priority, account)
and, when there is a link, an ``actions`` block with one button that opens it.

Slack's own limits are applied here, so that Slack never refuses a message for its length: a
header's text at most 150 characters, a section's 3,000, a context element's 2,000, a button's
label 75 and its URL 3,000, the top-level ``text`` 4,000 (a longer text is cut and ends
with "…"). ``&``, ``<`` and ``>`` are escaped in mrkdwn texts as Slack asks (they would
otherwise start links and mentions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

HEADER_MAX = 150
SECTION_MAX = 3000
CONTEXT_MAX = 2000
BUTTON_LABEL_MAX = 75
URL_MAX = 3000
TEXT_MAX = 4000


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one "…" when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters in mrkdwn: ``&`` → ``&amp;``, ``<`` → ``&lt;``,
    ``>`` → ``&gt;``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(
    *,
    title: str,
    body: str,
    link: str = "",
    context: Sequence[str] = (),
    button_label: str = "Open",
) -> dict[str, Any]:
    """The JSON object to POST to a Slack incoming webhook for one notification.

    An empty body leaves out the section, an empty ``context`` the context block, an empty
    ``link`` (or one longer than Slack takes) the button. Texts are clipped to Slack's limits
    after escaping, so an escaped text never exceeds them."""
    title = " ".join(title.split()) or "-"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": clip(title, HEADER_MAX), "emoji": True},
        }
    ]
    if body.strip():
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": clip(escape_mrkdwn(body), SECTION_MAX)},
            }
        )
    elements = [
        {"type": "mrkdwn", "text": clip(escape_mrkdwn(line), CONTEXT_MAX)}
        for line in context
        if line.strip()
    ][:10]  # a context block takes at most ten elements
    if elements:
        blocks.append({"type": "context", "elements": elements})
    if link and len(link) <= URL_MAX:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {
                            "type": "plain_text",
                            "text": clip(button_label, BUTTON_LABEL_MAX),
                        },
                        "url": link,
                    }
                ],
            }
        )
    fallback = f"{title}\n{body}".strip() if body.strip() else title
    return {"text": clip(fallback, TEXT_MAX), "blocks": blocks}
