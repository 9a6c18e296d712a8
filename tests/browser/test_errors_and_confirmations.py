"""In a real browser: a missing page is a Japanese 404 with the navigation; revoking a token
asks for a confirmation first, without JavaScript."""

from __future__ import annotations

from typing import Any

from kizuna.apps.org.models import ApiToken
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories import build_world


def test_a_missing_page_is_a_japanese_404_with_the_navigation(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    build_world()
    log_in("csm")
    page.wait_for_url("**/today/")
    # when the CSM opens an address that does not exist
    response = page.goto("/accounts/999999999/")
    # then a branded page in Japanese, with the navigation to go on from
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "ja"
    page.get_by_role("heading", name="ページが見つかりません").wait_for()
    page.locator("nav.mainnav").get_by_role("link", name="顧客一覧").wait_for()
    shot("90-not-found-ja")
    page.get_by_role("link", name="スタートページに戻る").click()
    page.wait_for_url("**/today/")


def test_revoking_a_token_asks_for_a_confirmation_first_even_without_javascript(
    transactional_db: Any, browser: Any, live_server: Any
) -> None:
    build_world()
    context = browser.new_context(
        viewport={"width": 1366, "height": 900},
        base_url=live_server.url,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "csm")
    page.wait_for_url("**/today/")
    page.goto("/me/tokens/")
    page.fill("#id_name", "夜間バッチ")
    page.get_by_role("button", name="トークンを作成").click()
    token = ApiToken.objects.get()
    # when the CSM clicks revoke without ticking the box
    page.get_by_role("button", name="失効させる").click()
    # then the browser asks for the box and nothing is revoked
    assert page.locator("input[name=confirm]:invalid").count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "91-confirm-revoke.png"), full_page=True)
    # when they tick it and revoke
    page.get_by_label("このトークンを使うスクリプトは動かなくなります").check()
    page.get_by_role("button", name="失効させる").click()
    page.get_by_text("トークンを失効させました。").wait_for()
    token.refresh_from_db()
    assert token.revoked_at is not None
    context.close()
