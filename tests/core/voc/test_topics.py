"""Comment topics: the matched keyword explains each tag; kana, width and case folding; Latin
keywords start a word; rules as data with their problems; comment search in Japanese."""

from __future__ import annotations

import pytest

from kizuna.core.voc.topics import (
    DEFAULT_TOPICS,
    Topic,
    TopicMatch,
    TopicTagger,
    normalize_text,
    search_comments,
    topic_problems,
)

TAGGER = TopicTagger(DEFAULT_TOPICS)


def tags(comment: str) -> list[tuple[str, str]]:
    return [(m.topic, m.keyword) for m in TAGGER.tag(comment)]


def test_normalize_text_folds_width_kana_case_and_spaces() -> None:
    assert normalize_text(" ｻﾎﾟｰﾄが　とても  ＳＬＯＷ\n") == "サポートガ トテモ slow"
    assert normalize_text("") == ""


def test_a_tag_says_which_keyword_matched_and_where() -> None:
    # given a half-width katakana "support" and a hiragana "slow"
    found = TAGGER.tag("ｻﾎﾟｰﾄの返信がおそいです")
    # then: support (the earliest of its keywords, サポート before 返信), performance (おそい)
    assert found == (
        TopicMatch("support", "サポート", 0, 4),
        TopicMatch("performance", "おそい", 8, 11),
    )


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("料金が高すぎる。Slackと連携したい", [("price", "料金"), ("integrations", "Slack")]),
        ("つかいにくい画面", [("usability", "つかいにくい")]),
        ("ツカイニクイ", [("usability", "つかいにくい")]),  # katakana finds the hiragana keyword
        ("The UI is confusing and PRICES are high", [("usability", "UI"), ("price", "price")]),
        ("導入時のオンボーディングが丁寧でした", [("onboarding", "導入")]),
        ("CSV出力の機能が欲しい", [("missing_feature", "機能が欲しい"), ("integrations", "CSV")]),
        (
            "画面が固まる、エラーが出る",
            [("usability", "画面"), ("performance", "固まる"), ("reliability", "エラー")],
        ),
        ("guide and build", []),  # "ui" inside words: not the UI keyword
        ("", []),
        ("   ", []),
    ],
)
def test_default_topics(comment: str, expected: list[tuple[str, str]]) -> None:
    assert tags(comment) == expected


def test_same_start_takes_the_longer_keyword() -> None:
    tagger = TopicTagger([Topic("f", "機能", "Features", ("機能", "機能不足"))])
    assert tagger.tag("機能不足です") == (TopicMatch("f", "機能不足", 0, 4),)


def test_rules_are_data_and_their_problems_are_named() -> None:
    good = Topic("docs", "ドキュメント", "Documentation", ("ドキュメント", "docs"))
    bad = [
        Topic(" ", "空", "Blank", ("x",)),
        Topic("docs", "重複", "Duplicate", ("y",)),
        Topic("n", "", "No Japanese name", ("z",)),
        Topic("k", "キーワードなし", "No keywords", ()),
        Topic("w", "空白", "Blank keyword", ("ok", "　")),
    ]
    assert topic_problems([good]) == []
    assert topic_problems([good, *bad]) == [
        (" ", "blank_key"),
        ("docs", "duplicate_key"),
        ("n", "blank_name"),
        ("k", "no_keywords"),
        ("w", "blank_keyword"),
    ]
    with pytest.raises(ValueError, match="invalid topics"):
        TopicTagger([good, *bad])
    assert TopicTagger([good]).tag("Docs が古い") == (TopicMatch("docs", "docs", 0, 4),)


def test_default_topics_are_usable_and_named_in_both_languages() -> None:
    assert topic_problems(DEFAULT_TOPICS) == []
    assert [t.key for t in DEFAULT_TOPICS] == [
        "usability",
        "price",
        "support",
        "missing_feature",
        "performance",
        "reliability",
        "onboarding",
        "integrations",
    ]


def test_search_matches_japanese_substrings_and_folded_kana() -> None:
    comments = [
        (1, "料金がやすい"),
        (2, "サポート最高"),
        (3, "さぽーとの返信が遅い"),
        (4, "ｻﾎﾟｰﾄ OK"),
        (5, "Support is SLOW"),
    ]
    assert search_comments(comments, "サポート") == [2, 3, 4]
    assert search_comments(comments, "ヤスイ") == [1]
    assert search_comments(comments, "さぽーと　遅い") == [3]  # both words, ideographic space
    assert search_comments(comments, "support slow") == [5]
    assert search_comments(comments, "  ") == []
    assert search_comments(comments, "解約") == []
