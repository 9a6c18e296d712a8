"""In a real browser: CS ops open the NPS analysis, read day 30 vs day 90 by product and the
trend, follow a cell to its answers (same count), and find a katakana comment with a hiragana
query, its keyword marked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kizuna.apps.surveys.services import program_defaults_ensure, topic_defaults_ensure
from tests.apps.surveys.analysis_world import analysis_world, answer, at
from tests.factories import build_world


def test_cs_ops_read_the_nps_analysis_and_its_comments(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    world = build_world()
    topic_defaults_ensure()  # seeded by a migration: gone once an earlier test flushed
    analysis_world(world)
    answer(
        program_defaults_ensure(),
        world.account,
        2,
        at(dt.date(2026, 4, 20)),
        product=world.product,
        tenure=33,
        comment="サポートの返信が遅い",
    )
    log_in("admin")
    page.wait_for_url("**/")
    page.goto("/surveys/nps/?from=2026-04-01&to=2026-05-31&cut=product")
    matrix = page.locator("#nps-matrix")
    cell = matrix.locator("td[data-tenure='30']").first
    assert cell.get_attribute("data-responses") == "4"
    assert page.locator("#nps-trend svg").count() == 1
    shot("survey-nps-analysis")
    cell.get_by_role("link").click()
    assert page.locator("#answers-count").get_attribute("data-count") == "4"
    page.goto("/surveys/comments/?from=2026-04-01&to=2026-05-31")
    page.fill("#c-q", "さぽーと")
    with page.expect_navigation():  # the search's page, not the one before it
        page.get_by_role("button", name="検索").click()
    assert "q=" in page.url
    assert page.locator("#comments tbody tr").count() == 1
    assert page.locator("#comments mark").first.inner_text() == "サポート"
    shot("survey-comments")
