"""The morning digest as a Slack message: exact payloads, escaping and Slack's limits."""

from __future__ import annotations

import pytest

from kizuna.integrations.slack.digest import BLOCKS_MAX, SlackDigestSection, slack_digest

pytestmark = pytest.mark.pure


def test_a_digest_is_a_header_and_one_section_per_part() -> None:
    message = slack_digest(
        title="朝のダイジェスト",
        sections=[
            SlackDigestSection(
                title="新しいタスク (2)",
                lines=(
                    ("電話 — 株式会社A&B", "期限 <12月1日>", "https://k.example/tasks/1/"),
                    ("メール", "", ""),
                ),
                more="…ほか1件",
            )
        ],
    )
    assert message == {
        "text": "朝のダイジェスト",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "朝のダイジェスト", "emoji": True},
            },
            {"type": "divider"},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*新しいタスク (2)*\n"
                    "• <https://k.example/tasks/1/|電話 — 株式会社A&amp;B>: 期限 &lt;12月1日&gt;\n"
                    "• メール\n"
                    "…ほか1件",
                },
            },
        ],
    }


def test_hostile_texts_stay_within_slack_limits() -> None:
    long = "x" * 10_000
    message = slack_digest(
        title="  \n ",
        sections=[
            SlackDigestSection(title=long, lines=((long, long, "https://a|b"),)),
            *[SlackDigestSection(title=str(n), lines=()) for n in range(60)],
        ],
    )
    blocks = message["blocks"]
    assert message["text"] == "-"
    assert len(blocks) <= BLOCKS_MAX
    assert len(blocks[2]["text"]["text"]) == 3000
    assert blocks[2]["text"]["text"].endswith("…")
    assert "<https://a|b" not in blocks[2]["text"]["text"]
