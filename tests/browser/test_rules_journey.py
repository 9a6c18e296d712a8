"""Issue 14's "Done when", in a real browser on the demo company: the demo CSM opens 今日 and
sees the tasks the rules opened for them, each with its reason in Japanese; opens one and
closes it as done with an outcome through the task page; it leaves the open list. Then the
demo manager opens that rule's page and reads its record (precision and save rate as the
rule's record computes them, with their counts), in Japanese and in English. Screenshots in
artifacts/screenshots/ (``rules-journey-*.png``)."""

from __future__ import annotations

import re
from typing import Any

from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.jobs.services import jobs_run_due
from kizuna.apps.rules.evaluation import firings_act
from kizuna.apps.rules.models import Rule
from kizuna.apps.rules.record import rule_record_of
from kizuna.apps.tasks.models import Task, TaskOrigin, TaskState
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.rules.measure import Ratio

PASSWORD = "kizuna-demo"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def ratio(value: Ratio) -> str:
    """A rate as the rule page writes it: "67% (2 / 3)", or "— (0 / 0)"."""
    if value.value is None:
        return "— (0 / 0)"
    return f"{value.value:.0%} ({value.numerator:,} / {value.denominator:,})"


def record_figures(page: Any) -> dict[str, str]:
    """The rule page's record table as {measure: figure}."""
    rows = page.locator("#record tbody tr")
    return {
        rows.nth(i).locator("th").inner_text().strip(): rows.nth(i).locator("td.num").inner_text()
        for i in range(rows.count())
    }


def test_a_csm_closes_a_rule_task_and_a_manager_reads_the_rules_record(
    transactional_db: Any, page: Any, shot: Any, log_in: Any
) -> None:
    # given the demo company with its rules' half year of firings and tasks, and today's jobs
    demo_load_if_empty(accounts=80, seed=7, password=PASSWORD)
    jobs_run_due(day=tenant_today())
    firings_act()  # what the worker's minute job does with the day's new firings
    open_rule_tasks = Task.objects.filter(
        owner__username="csm", origin=TaskOrigin.RULE, state=TaskState.OPEN
    )
    assert open_rule_tasks.exists()

    # when the demo CSM signs in, they land on 今日
    log_in("csm", password=PASSWORD)
    page.wait_for_url("**/today/")
    mine = page.locator("#my-tasks")
    assert mine.locator("h2").inner_text().startswith("自分のタスク")
    # then each of their rule tasks is listed with its reason, in Japanese
    listed = mine.inner_text()
    for task in open_rule_tasks:
        assert task.title in listed and task.reason[:40] in listed, task.reason
        assert JAPANESE.search(task.reason), task.reason
    reasons = mine.locator(".reason")
    assert reasons.count() >= open_rule_tasks.count()
    shot("rules-journey-01-today-csm")

    # when they open the first rule task listed
    task = open_rule_tasks.order_by("due_date", "pk").first()
    assert task is not None
    mine.locator(f"a[href='/tasks/{task.pk}/']").first.click()
    page.wait_for_url(f"**/tasks/{task.pk}/")
    # then its page says why, with a link to the evidence
    props = page.locator("#task dl.props").inner_text()
    assert task.reason in props and "ルール" in props
    assert page.locator("#evidence").get_attribute("href") == task.evidence_url
    shot("rules-journey-02-task-open")

    # when they close it as done: saved, with a note, confirming
    page.select_option("#done_outcome", label="解約を回避")
    page.fill("#done_note", "定例を再開し、利用が戻りました")
    page.locator("#task-actions form[action$='/done/'] input[name=confirm]").check()
    page.get_by_role("button", name="完了にする").click()
    page.wait_for_load_state()
    # then the task is done with that outcome, by them, and the page says so
    task.refresh_from_db()
    assert (task.state, task.outcome, task.closed_by.username) == ("done", "saved", "csm")
    assert "解約を回避" in page.locator("#task").inner_text()
    shot("rules-journey-03-task-done")
    # and it has left 今日's open list; the others stay
    page.goto("/today/")
    mine = page.locator("#my-tasks")
    assert mine.locator(f"a[href='/tasks/{task.pk}/']").count() == 0
    for other in open_rule_tasks.all():  # afresh: the closed one has left
        assert mine.locator(f"a[href='/tasks/{other.pk}/']").count() == 1

    # when the demo manager signs in and opens the rule of that task from the rule list
    page.context.clear_cookies()
    log_in("manager", password=PASSWORD)
    rule = Rule.objects.get(pk=task.origin_id)
    page.goto("/rules/")
    rows = page.locator("#rules tbody").inner_text()
    assert " N " not in rows and "N日" not in rows  # the thresholds, not a letter
    assert "30日以内にカバー外になる" in rows and "90日以内に更新" in rows
    shot("rules-journey-04-rules")
    page.get_by_role("link", name=rule.name).click()
    page.wait_for_url(f"**/rules/{rule.pk}/")
    # then its record shows the figures the rule's record computes, with their counts
    record = rule_record_of(rule, as_of=tenant_today())
    figures = record_figures(page)
    assert figures["発火"] == f"{record.fired:,}"
    assert figures["対応あり"] == f"{record.acted_on:,}"
    assert figures["タスクの担当者なし"] == "0"  # every demo firing had someone to act
    assert figures["精度"] == ratio(record.precision)
    assert figures["セーブ率"] == ratio(record.save_rate)
    shot("rules-journey-05-rule-ja")

    # and a rule whose save rate and precision have been judged shows them as numbers
    judged = [
        r
        for r in Rule.objects.order_by("pk")
        if rule_record_of(r, as_of=tenant_today()).save_rate.denominator
        and rule_record_of(r, as_of=tenant_today()).precision.denominator
    ]
    assert judged, "the demo judges no rule's precision and save rate"
    page.goto(f"/rules/{judged[0].pk}/")
    judged_record = rule_record_of(judged[0], as_of=tenant_today())
    figures = record_figures(page)
    assert re.fullmatch(r"\d+% \(\d+ / \d+\)", figures["精度"]), figures
    assert re.fullmatch(r"\d+% \(\d+ / \d+\)", figures["セーブ率"]), figures
    assert figures["精度"] == ratio(judged_record.precision)
    assert figures["セーブ率"] == ratio(judged_record.save_rate)
    shot("rules-journey-06-judged-rule-ja")

    # when they switch to English, then the same figures under English names
    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    figures = record_figures(page)
    assert figures["Precision"] == ratio(judged_record.precision)
    assert figures["Save rate"] == ratio(judged_record.save_rate)
    assert figures["No one to own the task"] == "0"
    assert "How this rule did" in page.locator("#record h2").inner_text()
    shot("rules-journey-07-judged-rule-en")
