"""A notification as a Microsoft Teams incoming-webhook message: one Adaptive Card.

Teams' incoming webhooks (and the Workflows app's "post to a channel when a webhook request is
received") take a ``message`` whose one attachment is an Adaptive Card
(``application/vnd.microsoft.card.adaptive``, schema version 1.4, which Teams draws):

- the title as a bold, medium ``TextBlock``;
- the body as a wrapped ``TextBlock`` (left out when empty);
- the caller's context lines as a subtle, small ``TextBlock`` each;
- when there is a link, an ``Action.OpenUrl`` with the caller's label.

Teams refuses a message over 28 KB; the body is cut to ``BODY_MAX`` characters (ending "…"),
which keeps a card well under it even in Japanese (three bytes a character).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
TITLE_MAX = 200
BODY_MAX = 4000
CONTEXT_MAX = 500


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one "…" when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def teams_message(
    *,
    title: str,
    body: str,
    link: str = "",
    context: Sequence[str] = (),
    button_label: str = "Open",
) -> dict[str, Any]:
    """The JSON object to POST to a Teams incoming webhook for one notification."""
    title = " ".join(title.split()) or "-"
    card_body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": clip(title, TITLE_MAX),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    if body.strip():
        card_body.append({"type": "TextBlock", "text": clip(body, BODY_MAX), "wrap": True})
    card_body += [
        {
            "type": "TextBlock",
            "text": clip(line, CONTEXT_MAX),
            "isSubtle": True,
            "size": "Small",
            "wrap": True,
        }
        for line in context
        if line.strip()
    ]
    card: dict[str, Any] = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": card_body,
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": button_label, "url": link}]
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }
