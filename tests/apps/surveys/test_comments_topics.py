"""Comments: the search understands Japanese (hiragana finds katakana, half-width kana), filters
by topic, class, product and period, and each tag shows the keyword it matched; the topics are
seeded, edited by admins only, and each edit is audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.surveys.models import SurveyAnswer, SurveyTopic
from kizuna.apps.surveys.services import program_defaults_ensure
from kizuna.apps.surveys.topics import highlight, tagger
from kizuna.core.voc.topics import normalize_text
from tests.apps.surveys.analysis_world import answer, at
from tests.factories import ProductFactory, World

pytestmark = pytest.mark.django_db

RANGE = {"from": "2026-04-01", "to": "2026-04-30"}
DAY = at(dt.date(2026, 4, 10))


def as_member(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


def found(client: Client, **params: str) -> list[int]:
    response = client.get("/surveys/comments/", {**RANGE, **params})
    assert response.status_code == 200, response.content.decode()[:500]
    return [int(pk) for pk in re.findall(r'data-answer="(\d+)"', response.content.decode())]


def test_default_topics_are_seeded() -> None:
    keys = set(SurveyTopic.objects.values_list("key", flat=True))
    assert {"price", "support", "usability", "performance", "onboarding"} <= keys
    price = SurveyTopic.objects.get(key="price")
    assert "料金" in price.keywords and "price" in price.keywords


def test_the_normalised_comment_is_stored_on_every_write(world: World) -> None:
    program = program_defaults_ensure()
    row = answer(program, world.account, 3, DAY, comment="ｻﾎﾟｰﾄが　とても Slow")
    assert row.comment_normalized == "サポートガ トテモ slow"
    row.comment = "りょうきん"
    row.save(update_fields=["comment"])
    assert SurveyAnswer.objects.get(pk=row.pk).comment_normalized == "リョウキン"


def test_japanese_search_hiragana_katakana_half_width(world: World) -> None:
    program = program_defaults_ensure()
    katakana = answer(program, world.account, 3, DAY, comment="サポートの返信が遅い")
    half = answer(program, world.account, 8, DAY, comment="ｻﾎﾟｰﾄは丁寧でした")
    other = answer(program, world.account, 10, DAY, comment="Great product")
    client = as_member(world.viewer)
    assert set(found(client, q="さぽーと")) == {katakana.pk, half.pk}
    assert set(found(client, q="ｻﾎﾟｰﾄ")) == {katakana.pk, half.pk}
    assert set(found(client, q="サポート　遅い")) == {katakana.pk}  # every word, ideographic space
    assert set(found(client, q="GREAT")) == {other.pk}
    assert found(client, q="存在しない") == []


def test_filters_topic_class_product_period(world: World) -> None:
    program = program_defaults_ensure()
    other_product = ProductFactory(code="attendance", name_ja="勤怠", name_en="Attendance")
    price = answer(program, world.account, 2, DAY, comment="料金が高すぎる", product=world.product)
    support = answer(program, world.account, 9, DAY, comment="サポートが早い")
    priceless = answer(
        program, world.account, 4, DAY, comment="priceless tool", product=other_product
    )
    oprice = answer(program, world.account, 5, DAY, comment="oprice")
    answer(program, world.account, 1, at(dt.date(2026, 6, 1)), comment="料金")
    client = as_member(world.viewer)
    # an English keyword must start a word: "priceless" is tagged, "oprice" is not
    assert set(found(client, topic="price")) == {price.pk, priceless.pk}
    assert oprice.pk in found(client, q="oprice")
    assert set(found(client, category="promoter")) == {support.pk}
    assert set(found(client, product=str(world.product.pk))) == {price.pk}
    assert set(found(client, topic="support")) == {support.pk}
    assert len(found(client, q="料金")) == 1  # the June one is outside the range


def test_each_tag_shows_its_matched_keyword(world: World) -> None:
    program = program_defaults_ensure()
    answer(program, world.account, 3, DAY, comment="動作が遅いし、料金も高い")
    text = as_member(world.viewer).get("/surveys/comments/", RANGE).content.decode()
    assert "<mark>遅い</mark>" in text
    assert "<mark>料金</mark>" in text
    assert "「料金」" in text and "「遅い」" in text


def test_highlight_traces_back_to_the_written_text() -> None:
    compiled = tagger([t for t in SurveyTopic.objects.all()])
    comment = "ｻﾎﾟｰﾄ  の  Price が高い"
    matches = compiled.tag(comment)
    pieces = highlight(comment, matches)
    assert "".join(p.text for p in pieces) == comment
    assert [p.text for p in pieces if p.marked] == ["ｻﾎﾟｰﾄ", "Price"]
    # a voiced half-width kana composes across two characters: the normalised text is shown
    composed = "ｶﾞｲﾄﾞ 料金"
    pieces = highlight(composed, compiled.tag(composed))
    assert "".join(p.text for p in pieces) in (composed, normalize_text(composed))
    assert any(p.marked and p.text == "料金" for p in pieces)


@pytest.mark.parametrize(
    "params",
    [{"topic": "nope"}, {"from": "9999-12-31"}, {"category": "x"}, {"kind": "x"}],
)
def test_hostile_comment_parameters(world: World, params: dict[str, str]) -> None:
    response = as_member(world.viewer).get("/surveys/comments/", params)
    assert response.status_code == 400
    assert 'id="comments-error"' in response.content.decode()


def test_a_long_query_and_odd_characters_are_harmless(world: World) -> None:
    client = as_member(world.viewer)
    for q in ("%", "_", "'; DROP TABLE x; --", "あ" * 5000, "\u3000", "\x00"):
        response = client.get("/surveys/comments/", {"q": q})
        assert response.status_code in (200, 400)


# -- topics -----------------------------------------------------------------------------------


def topic_post(**overrides: str) -> dict[str, str]:
    data = {
        "name_ja": "料金",
        "name_en": "Price",
        "keywords": "料金\n値段\nprice",
        "position": "1",
        "active": "on",
    }
    return data | overrides


def test_an_admin_edits_a_topic_audited(world: World) -> None:
    topic = SurveyTopic.objects.get(key="price")
    client = as_member(world.admin)
    response = client.post(f"/surveys/topics/{topic.pk}/", topic_post())
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.keywords == ["料金", "値段", "price"]
    event = AuditEvent.objects.filter(entity_id=topic.pk).latest("at")
    assert event.action == "update"
    assert "keywords" in event.changes and "name_ja" in event.changes
    # tags follow at once (read time)
    program = program_defaults_ensure()
    answer(program, world.account, 3, DAY, comment="割高です")
    text = as_member(world.viewer).get("/surveys/comments/", RANGE).content.decode()
    assert "<mark>" not in text  # 割高 is no longer a price keyword


def test_an_admin_creates_a_topic(world: World) -> None:
    client = as_member(world.admin)
    response = client.post(
        "/surveys/topics/new/",
        topic_post(
            key="security", name_ja="セキュリティ", name_en="Security", keywords="セキュリティ"
        ),
    )
    assert response.status_code == 302
    created = SurveyTopic.objects.get(key="security")
    assert AuditEvent.objects.filter(entity_id=created.pk, action="create").exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"keywords": ""},
        {"keywords": " \n　"},
        {"name_ja": ""},
        {"keywords": "x" * 61},
        {"key": "price"},
        {"key": "bad key!"},
    ],
)
def test_an_invalid_topic_is_refused_with_a_message(
    world: World, overrides: dict[str, str]
) -> None:
    before = AuditEvent.objects.count()
    response = as_member(world.admin).post(
        "/surveys/topics/new/", topic_post(key="newtopic") | overrides
    )
    assert response.status_code == 400
    assert 'id="topic-errors"' in response.content.decode()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("who", ["viewer", "csm", "manager"])
def test_only_admins_edit_topics(world: World, who: str) -> None:
    topic = SurveyTopic.objects.get(key="price")
    client = as_member(getattr(world, who))
    assert client.get("/surveys/topics/").status_code == 200
    assert client.post(f"/surveys/topics/{topic.pk}/", topic_post()).status_code == 403
    assert client.post("/surveys/topics/new/", topic_post(key="x")).status_code == 403
    topic.refresh_from_db()
    assert "値段" in topic.keywords and "割高" in topic.keywords


def test_topics_csv(world: World) -> None:
    response = as_member(world.viewer).get("/surveys/topics/", {"format": "csv"})
    assert response.content.decode().startswith("key,name_ja,name_en,active,keywords")


def test_an_answer_replaced_through_its_link_is_searched_by_its_new_comment(world: World) -> None:
    from kizuna.apps.surveys.services import answer_through_link
    from tests.apps.surveys.helpers import survey_world
    from tests.apps.surveys.test_public_page import sent

    invitation = sent(survey_world(world))
    first = answer_through_link(invitation=invitation, score=3, comment="りょうきんが高い")
    assert first.comment_normalized == "リョウキンガ高イ"
    again = answer_through_link(invitation=invitation, score=9, comment="ｻﾎﾟｰﾄ最高")
    assert again.pk == first.pk
    assert SurveyAnswer.objects.get(pk=first.pk).comment_normalized == "サポート最高"


def test_the_pages_speak_english_to_an_english_member(world: World) -> None:
    world.viewer.language = "en"
    world.viewer.save()
    client = as_member(world.viewer)
    nps = client.get("/surveys/nps/").content.decode()
    assert "Day 30 vs day 90 by product" in nps and "First day" in nps
    comments = client.get("/surveys/comments/").content.decode()
    assert "Survey comments" in comments
    topics = client.get("/surveys/topics/").content.decode()
    assert "Price" in topics and "Comment topics" in topics


def test_the_default_topics_come_back_only_where_missing(db: None) -> None:
    """``topic_defaults_ensure`` creates the default topics missing by key and leaves an
    edited one as CS ops left it; a second call creates nothing."""
    from kizuna.apps.surveys.models import SurveyTopic
    from kizuna.apps.surveys.services import topic_defaults_ensure
    from kizuna.core.voc.topics import DEFAULT_TOPICS

    SurveyTopic.objects.all().delete()
    assert topic_defaults_ensure() == len(DEFAULT_TOPICS)
    first, second = DEFAULT_TOPICS[0].key, DEFAULT_TOPICS[1].key
    SurveyTopic.objects.filter(key=first).update(name_ja="値段", keywords=["値段"])
    SurveyTopic.objects.filter(key=second).delete()

    assert topic_defaults_ensure() == 1
    assert topic_defaults_ensure() == 0
    assert SurveyTopic.objects.get(key=first).keywords == ["値段"]
    assert SurveyTopic.objects.count() == len(DEFAULT_TOPICS)
