"""The Slack Block Kit message of a notification: exact blocks, escaping and Slack's limits."""

from __future__ import annotations

from kizuna.integrations.slack.messages import slack_message


def test_it_builds_header_section_context_and_a_button() -> None:
    # given a notification with a body, context lines and a link
    # when it is written for Slack
    message = slack_message(
        title="ヘルスが C に下がりました",
        body="株式会社サンプル <重要> & 要対応",
        link="https://kizuna.example/accounts/7/",
        context=["優先度: 高", "株式会社サンプル"],
        button_label="開く",
    )
    # then the blocks are exactly Block Kit's shape, mrkdwn escaped, with a plain fallback
    assert message == {
        "text": "ヘルスが C に下がりました\n株式会社サンプル <重要> & 要対応",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "ヘルスが C に下がりました", "emoji": True},
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "株式会社サンプル &lt;重要&gt; &amp; 要対応"},
            },
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "優先度: 高"},
                    {"type": "mrkdwn", "text": "株式会社サンプル"},
                ],
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "開く"},
                        "url": "https://kizuna.example/accounts/7/",
                    }
                ],
            },
        ],
    }


def test_it_leaves_out_empty_parts_and_clips_to_slacks_limits() -> None:
    # given a title over 150 characters with line breaks, no body, blank context, no link
    title = "a\nb " + "x" * 300
    # when it is written for Slack
    message = slack_message(title=title, body="  ", context=["", " "], link="")
    # then only the header is left, its text 150 characters ending with "…"
    header = message["blocks"][0]["text"]["text"]
    assert [block["type"] for block in message["blocks"]] == ["header"]
    assert (len(header), header[:4], header[-1]) == (150, "a b ", "…")
    assert len(message["text"]) == len("a b " + "x" * 300)


def test_it_clips_a_huge_body_and_drops_an_overlong_link() -> None:
    # given a 10,000-character body of ampersands and a 3,001-character link
    message = slack_message(title="t", body="&" * 10_000, link="https://x/" + "a" * 2991)
    # then the escaped section is exactly 3,000 characters and no button is sent
    section = message["blocks"][1]["text"]["text"]
    assert (len(section), section[-1]) == (3000, "…")
    assert [block["type"] for block in message["blocks"]] == ["header", "section"]
    assert (len(message["text"]), message["text"][-1]) == (4000, "…")


def test_an_empty_title_still_gives_slack_a_header() -> None:
    assert slack_message(title=" ", body="")["blocks"][0]["text"]["text"] == "-"
