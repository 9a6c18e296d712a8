"""In a real browser, in Japanese: a CSM raises a CSQL from the approach list, with the
approach score's reasons copied in, hands it to a sales owner in the CRM and sees it on the
CSQL board; the board and the conversion table show no English words."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation

from kizuna.apps.expansion.models import OPEN_STATES, Csql
from kizuna.apps.health.selectors import approach_reason
from tests.browser.test_tour import PASSWORD, VISIBLE_TEXT, _demo, english_words


def test_a_csm_raises_a_csql_from_the_approach_list_and_sees_it_on_the_board(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    # given the demo company, as the csm reading in Japanese
    _demo()
    busy = set(Csql.objects.filter(state__in=OPEN_STATES).values_list("account_id", flat=True))
    before = Csql.objects.count()
    log_in("csm", password=PASSWORD)
    page.goto("/health/approach/")
    buttons = page.locator("a.button", has_text="CSQLを起票")
    hrefs = [buttons.nth(i).get_attribute("href") or "" for i in range(buttons.count())]
    assert hrefs, "the approach list offers no CSQL to raise"
    free = [h for h in hrefs if int(re.findall(r"account=(\d+)", h)[0]) not in busy]
    shot("60-approach-list")
    # when they raise one on an account without an open CSQL
    page.locator(f'a.button[href="{free[0]}"]').click()
    page.locator("#raise").wait_for()
    reasons = page.locator("#reasons").inner_text()
    shot("61-raise-csql-form")
    page.fill("#id_sales_owner_name", "佐藤 健(Salesforce)")
    page.fill("#id_note", "席数がほぼ上限のため追加契約を提案")
    page.get_by_role("button", name="起票して営業にトスアップ").click()
    page.locator("#csql").wait_for()
    shot("62-csql-detail")
    # then it is stored with the reasons copied in, and the board shows it as proposed
    csql = Csql.objects.order_by("-pk").first()
    assert csql is not None and Csql.objects.count() == before + 1
    assert (csql.state, csql.raised_by.username, csql.sales_owner_name) == (
        "proposed", "csm", "佐藤 健(Salesforce)",
    )  # fmt: skip
    assert csql.reasons, "the approach list's account has reasons"
    with translation.override("ja"):
        worded = [approach_reason(r["code"], r["details"]) for r in csql.reasons]
    assert all(text in reasons for text in worded), (worded, reasons)
    page.goto("/csqls/")
    column = page.locator("#col-proposed")
    assert csql.account.name in column.inner_text()
    shot("63-csql-board")
    words = english_words(page.evaluate(VISIBLE_TEXT))
    assert words == [], words
    page.goto("/csqls/conversion/?cut=team")
    assert "成約率" in page.locator("#conversion-table").inner_text()
    shot("64-csql-conversion")
    assert english_words(page.evaluate(VISIBLE_TEXT)) == []
