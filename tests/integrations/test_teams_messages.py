"""The Teams incoming-webhook message of a notification: one Adaptive Card, exactly."""

from __future__ import annotations

from kizuna.integrations.teams.messages import teams_message


def test_it_builds_an_adaptive_card_attachment() -> None:
    # given a notification with a body, a context line and a link
    # when it is written for Teams
    message = teams_message(
        title="Onboarding stalled",
        body="Sample Corp has not logged in for 14 days.",
        link="https://kizuna.example/accounts/7/",
        context=["Priority: high"],
        button_label="Open",
    )
    # then it is a message with one Adaptive Card 1.4
    assert message == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": "Onboarding stalled",
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": True,
                        },
                        {
                            "type": "TextBlock",
                            "text": "Sample Corp has not logged in for 14 days.",
                            "wrap": True,
                        },
                        {
                            "type": "TextBlock",
                            "text": "Priority: high",
                            "isSubtle": True,
                            "size": "Small",
                            "wrap": True,
                        },
                    ],
                    "actions": [
                        {
                            "type": "Action.OpenUrl",
                            "title": "Open",
                            "url": "https://kizuna.example/accounts/7/",
                        }
                    ],
                },
            }
        ],
    }


def test_it_leaves_out_the_body_and_the_action_when_empty_and_clips_a_long_body() -> None:
    # given no link, a blank body; then a 10,000-character Japanese body
    bare = teams_message(title="件名", body=" ")["attachments"][0]["content"]
    long = teams_message(title="件名", body="あ" * 10_000)["attachments"][0]["content"]
    # then the bare card has the title only and no actions; the long body is 4,000 characters
    assert (len(bare["body"]), "actions" in bare) == (1, False)
    assert (len(long["body"][1]["text"]), long["body"][1]["text"][-1]) == (4000, "…")
