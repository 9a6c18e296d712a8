"""In a real browser: the main menu keeps the daily pages in sight and groups the rest; a
group opens on a click, shows its pages, closes when another opens or on Escape, and the
group of the page on screen is marked."""

from __future__ import annotations

from typing import Any

from tests.factories import build_world


def test_the_menu_groups_open_one_at_a_time_and_lead_to_their_pages(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    build_world()
    log_in("manager")
    nav = page.locator("nav.mainnav")
    revenue = nav.locator("details.navgroup", has_text="収益・更新")
    team = nav.locator("details.navgroup", has_text="チーム")

    # the daily pages are links in the bar; the others wait in closed groups
    assert nav.get_by_role("link", name="今日").is_visible()
    assert not nav.get_by_role("link", name="カバー率").is_visible()

    # a group opens on a click and shows its pages
    revenue.locator("summary").click()
    assert nav.get_by_role("link", name="収益", exact=True).is_visible()
    shot("nav-menu-open")

    # opening another closes the first; Escape closes it too
    team.locator("summary").click()
    team.locator(".navmenu").wait_for(state="visible")
    revenue.locator(".navmenu").wait_for(state="hidden")  # closed by the toggle handler
    assert team.get_attribute("open") is not None
    assert revenue.get_attribute("open") is None
    page.keyboard.press("Escape")
    team.locator(".navmenu").wait_for(state="hidden")
    assert team.get_attribute("open") is None

    # a page of a group: the group is marked as where the member is
    team.locator("summary").click()
    nav.get_by_role("link", name="カバー率").click()
    page.wait_for_url("**/coverage/**")
    assert "current" in (team.locator("summary").get_attribute("class") or "")
    assert "current" not in (revenue.locator("summary").get_attribute("class") or "")
