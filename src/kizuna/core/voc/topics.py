"""Explainable topic tags for survey comments, and comment search that understands Japanese.

A **topic** is data CS ops can edit: a key, a Japanese and an English name, and keywords in
either language. A comment gets a topic when one of the topic's keywords occurs in it, and the
tag says which keyword matched and where: nobody has to trust a model to read a tag.

Both the comment and the keywords are compared after ``normalize_text``: NFKC (half-width
kana → full-width, full-width letters and digits → ASCII), hiragana → katakana (so ``つかい``
and ``ツカイ`` are the same), then case folding, and runs of white space as one space. Kanji
are not folded: a rule lists ``使いにくい`` and ``つかいにくい`` if both should match.

Matching: a keyword containing a Japanese character matches anywhere in the text (Japanese has
no spaces between words); a keyword written only in Latin letters and digits must start a word
(``price`` matches "prices" and "price," but not "oprice"), so that short English keywords
such as ``ui`` or ``api`` do not fire inside other words. Negation is not understood
("サポートに不満はない" is tagged support): the tag says the comment is *about* the topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from kizuna.core.kana import to_katakana

_SPACES = re.compile(r"\s+")
_LATIN_WORD = re.compile(r"[0-9a-z][0-9a-z .\-]*")


def normalize_text(text: str) -> str:
    """NFKC, hiragana → katakana, case folded, white space collapsed and trimmed:
    ``"ｻﾎﾟｰﾄが　とても Slow"`` → ``"サポートガ トテモ slow"``. Store it next to a comment to
    search it in the database with a plain ``contains`` of the normalised query."""
    return _SPACES.sub(" ", to_katakana(text).casefold()).strip()


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic rule: ``keywords`` in Japanese and English, in the order they are tried."""

    key: str
    name_ja: str
    name_en: str
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """Why a comment has a topic: the keyword (as the rule writes it) and where it occurs in
    the normalised comment (``start`` … ``end``, end exclusive)."""

    topic: str
    keyword: str
    start: int
    end: int


def _pattern(keyword: str) -> str:
    folded = normalize_text(keyword)
    escaped = re.escape(folded)
    if _LATIN_WORD.fullmatch(folded):
        return rf"(?<![0-9a-z]){escaped}"
    return escaped


class TopicTagger:
    """The topics compiled once, then applied to any number of comments."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        problems = topic_problems(topics)
        if problems:
            raise ValueError(f"invalid topics: {problems}")
        self.topics: tuple[Topic, ...] = tuple(topics)
        self._compiled = [
            (topic, [(keyword, re.compile(_pattern(keyword))) for keyword in topic.keywords])
            for topic in topics
        ]

    def tag(self, comment: str) -> tuple[TopicMatch, ...]:
        """The topics of ``comment`` in the rules' order, each with its earliest keyword
        occurrence (same start: the longer keyword, then the one listed first). An empty or
        blank comment has no topic."""
        text = normalize_text(comment)
        found = []
        for topic, keywords in self._compiled:
            best: TopicMatch | None = None
            for keyword, pattern in keywords:
                match = pattern.search(text)
                if match is None:
                    continue
                candidate = TopicMatch(topic.key, keyword, match.start(), match.end())
                if best is None or (candidate.start, -candidate.end) < (best.start, -best.end):
                    best = candidate
            if best is not None:
                found.append(best)
        return tuple(found)


def topic_problems(topics: Sequence[Topic]) -> list[tuple[str, str]]:
    """(topic key, problem) for every rule that cannot be used: ``blank_key``,
    ``duplicate_key``, ``blank_name`` (Japanese or English), ``no_keywords``, ``blank_keyword``
    (a keyword that normalises to nothing). Empty when every rule is usable."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for topic in topics:
        if not topic.key.strip():
            problems.append((topic.key, "blank_key"))
        elif topic.key in seen:
            problems.append((topic.key, "duplicate_key"))
        seen.add(topic.key)
        if not topic.name_ja.strip() or not topic.name_en.strip():
            problems.append((topic.key, "blank_name"))
        if not topic.keywords:
            problems.append((topic.key, "no_keywords"))
        elif any(not normalize_text(keyword) for keyword in topic.keywords):
            problems.append((topic.key, "blank_keyword"))
    return problems


def search_comments[K](comments: Iterable[tuple[K, str]], query: str) -> list[K]:
    """Keys of the comments that contain every word of ``query`` (split on white space, the
    ideographic space included), compared after ``normalize_text``, in input order. Japanese
    words match as substrings (``ヤスイ`` finds "料金がやすい"); a blank query finds nothing."""
    words = normalize_text(query).split(" ")
    if words == [""]:
        return []
    return [key for key, text in comments if all(word in normalize_text(text) for word in words)]


def _keywords(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


#: The topics a company starts with (CS ops edits them; these are only the defaults).
#: Keywords are separated by "|" here only to keep the list readable.
DEFAULT_TOPICS: Final[tuple[Topic, ...]] = (
    Topic(
        "usability",
        "使いやすさ",
        "Usability",
        _keywords(
            "使いやすい|使いにくい|使い勝手|使いづらい|つかいやすい|つかいにくい|"
            "操作|分かりにくい|わかりにくい|分かりやすい|わかりやすい|直感|画面|"
            "UI|UX|usability|easy to use|hard to use|intuitive|confusing|"
            "user-friendly|user friendly"
        ),
    ),
    Topic(
        "price",
        "価格",
        "Price",
        _keywords(
            "価格|料金|値段|値上げ|割高|高すぎ|コスト|費用|予算|"
            "price|pricing|expensive|cost|cheap|fee|budget"
        ),
    ),
    Topic(
        "support",
        "サポート",
        "Support",
        _keywords(
            "サポート|問い合わせ|問合せ|ヘルプデスク|窓口|担当者|返信|回答が|カスタマーサクセス|"
            "support|help desk|helpdesk|customer success|response time|reply"
        ),
    ),
    Topic(
        "missing_feature",
        "機能不足",
        "Missing feature",
        _keywords(
            "機能不足|機能がない|機能が無い|機能が足りない|機能がほしい|機能が欲しい|"
            "欲しい|ほしい|要望|対応していない|できない|出来ない|"
            "missing|feature request|lacks|lack of|no way to|wish|would like|cannot|can't"
        ),
    ),
    Topic(
        "performance",
        "性能",
        "Performance",
        _keywords(
            "遅い|おそい|重い|おもい|速度|読み込み|待たされ|固まる|フリーズ|レスポンス|"
            "slow|performance|speed|lag|loading|freeze"
        ),
    ),
    Topic(
        "reliability",
        "不具合・障害",
        "Bugs and outages",
        _keywords(
            "不具合|バグ|エラー|障害|落ちる|止まる|ログインできない|"
            "bug|error|outage|crash|downtime|broken"
        ),
    ),
    Topic(
        "onboarding",
        "導入・オンボーディング",
        "Onboarding",
        _keywords(
            "オンボーディング|導入|初期設定|立ち上げ|セットアップ|研修|トレーニング|説明会|マニュアル|"
            "onboarding|setup|set up|implementation|training|getting started|kickoff|manual"
        ),
    ),
    Topic(
        "integrations",
        "連携",
        "Integrations",
        _keywords(
            "連携|連動|インテグレーション|同期|API|CSV|Salesforce|Slack|kintone|"
            "integration|integrate|sync|connector|webhook"
        ),
    ),
)
