"""The comment topics in the database (``SurveyTopic``): CS ops edit them (audited), and the
pages tag comments with them at read time through ``core.voc.topics`` (nothing is cached: a
changed keyword shows on the next page load, and a page tags at most one page of comments)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.org.access import require_survey_topics_edit
from kizuna.apps.org.models import User
from kizuna.apps.surveys.models import SurveyTopic
from kizuna.core.voc.topics import TopicMatch, TopicTagger, normalize_text, topic_problems

TOPIC_FIELDS = ("key", "name_ja", "name_en", "keywords", "active", "position")
MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 60


def active_topics() -> list[SurveyTopic]:
    return list(SurveyTopic.objects.filter(active=True).order_by("position", "id"))


def tagger(topics: Sequence[SurveyTopic] | None = None) -> TopicTagger:
    """The active topics compiled (a topic that cannot be used is left out, not an error)."""
    rows = [t.as_topic() for t in (active_topics() if topics is None else topics)]
    bad = {key for key, _problem in topic_problems(rows)}
    return TopicTagger([row for row in rows if row.key not in bad])


def parse_keywords(text: str) -> list[str]:
    """One keyword a line (commas also separate), blanks and repeats left out."""
    seen: list[str] = []
    for raw in text.replace("、", "\n").replace(",", "\n").splitlines():
        word = raw.strip()
        if word and word not in seen:
            seen.append(word)
    return seen


def _snapshot(topic: SurveyTopic) -> dict[str, Any]:
    return {name: getattr(topic, name) for name in TOPIC_FIELDS}


@transaction.atomic
def topic_save(
    *, actor: User, topic: SurveyTopic | None, values: Mapping[str, Any], via: str = "web"
) -> SurveyTopic:
    """Create a topic (``topic`` None) or change one (admins); one audit event with the
    changed fields. ``ValidationError`` for a blank name, no keyword, too many or too long
    keywords, or a key already used."""
    require_survey_topics_edit(actor)
    creating = topic is None
    if topic is None:
        topic = SurveyTopic()
        before: dict[str, Any] = {}
    else:
        topic = SurveyTopic.objects.select_for_update().get(pk=topic.pk)
        before = _snapshot(topic)
    for name in TOPIC_FIELDS:
        if name in values:
            setattr(topic, name, values[name])
    keywords = list(topic.keywords or [])
    if not keywords or not any(normalize_text(k) for k in keywords):
        raise ValidationError({"keywords": [_("Give at least one keyword.")]})
    if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
        raise ValidationError(
            {"keywords": [_("At most 100 keywords of at most 60 characters each.")]}
        )
    topic.keywords = [k for k in keywords if normalize_text(k)]
    topic.full_clean()
    topic.save()
    after = _snapshot(topic)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
            instance=topic,
            account_id=None,
            changes=changes,
            via=via,
        )
    return topic


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of a comment's text, ``marked`` when it is a matched keyword."""

    text: str
    marked: bool = False


def _clusters(comment: str) -> list[tuple[int, int]]:
    """The comment cut into runs that normalise on their own: a character and the marks that
    compose with it (half-width ﾞ ﾟ after ｶ, a combining accent)."""
    runs: list[tuple[int, int]] = []
    for index, char in enumerate(comment):
        folded = unicodedata.normalize("NFKC", char)
        if runs and folded and unicodedata.combining(folded[0]):
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return runs


def _origins(comment: str) -> tuple[str, list[tuple[int, int]]] | None:
    """The comment normalised run by run, with the span in ``comment`` each normalised
    character came from; None when that differs from ``normalize_text`` of the whole."""
    out: list[str] = []
    origin: list[tuple[int, int]] = []
    for start, end in _clusters(comment):
        run = comment[start:end]
        piece = " " if run.isspace() else normalize_text(run)
        for c in piece:
            if c == " " and (not out or out[-1] == " "):
                continue
            out.append(c)
            origin.append((start, end))
    while out and out[-1] == " ":
        out.pop()
        origin.pop()
    text = "".join(out)
    return (text, origin) if text == normalize_text(comment) else None


def highlight(comment: str, matches: Sequence[TopicMatch]) -> list[Piece]:
    """The comment as it was written, each matched keyword marked; where the positions of
    the normalised text cannot be traced back to the original, the normalised text itself."""
    traced = _origins(comment)
    if traced is None:
        text = normalize_text(comment)
        spans = [(m.start, m.end) for m in matches]
    else:
        text = comment
        _normal, origin = traced
        spans = [(origin[m.start][0], origin[m.end - 1][1]) for m in matches if m.end > m.start]
    pieces: list[Piece] = []
    at = 0
    for start, end in sorted(spans):
        if start < at:
            continue
        if start > at:
            pieces.append(Piece(text[at:start]))
        pieces.append(Piece(text[start:end], True))
        at = end
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return pieces
