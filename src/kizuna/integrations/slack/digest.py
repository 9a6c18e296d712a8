"""A morning digest as a Slack incoming-webhook message (Block Kit).

A ``header`` (the title), then per section a ``section`` block: its title in bold and one line
per item, ``<url|label>: reason`` (mrkdwn, escaped as Slack asks), and the "…and N more" line;
sections are separated by ``divider`` blocks. Slack's limits are kept (``messages``): a
section's text is cut at 3,000 characters, a message has at most 50 blocks, the top-level
``text`` (the push notification) is the title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kizuna.integrations.slack.messages import (
    HEADER_MAX,
    SECTION_MAX,
    TEXT_MAX,
    URL_MAX,
    clip,
    escape_mrkdwn,
)

#: Slack takes at most this many blocks in a message
BLOCKS_MAX = 50


@dataclass(frozen=True)
class SlackDigestSection:
    title: str
    lines: tuple[tuple[str, str, str], ...]  # (label, reason, absolute URL)
    more: str = ""


def _line(label: str, reason: str, url: str) -> str:
    label = escape_mrkdwn(" ".join(label.split()) or "-").replace("|", "¦")
    shown = f"<{url}|{label}>" if url and len(url) <= URL_MAX and "|" not in url else label
    return f"• {shown}: {escape_mrkdwn(reason)}" if reason else f"• {shown}"


def slack_digest(*, title: str, sections: Sequence[SlackDigestSection]) -> dict[str, Any]:
    title = " ".join(title.split()) or "-"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": clip(title, HEADER_MAX), "emoji": True},
        }
    ]
    for section in sections:
        if len(blocks) + 2 > BLOCKS_MAX:
            break
        lines = [f"*{escape_mrkdwn(section.title)}*"]
        lines += [_line(*line) for line in section.lines]
        if section.more:
            lines.append(escape_mrkdwn(section.more))
        blocks.append({"type": "divider"})
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": clip("\n".join(lines), SECTION_MAX)},
            }
        )
    return {"text": clip(title, TEXT_MAX), "blocks": blocks}
