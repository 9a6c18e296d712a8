"""The morning digest: its contents on constructed data (ja and en), its e-mail and Slack
payloads sent to a real SMTP server and a real HTTP receiver, opt-in, once a member and day,
from the digest time on business days only."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.notify.models import Delivery as NotifyDelivery
from kizuna.apps.notify.models import NotificationPreference
from kizuna.apps.notify.services import notify_member
from kizuna.apps.onboarding.services import (
    onboardings_evaluate,
    onboardings_start,
    template_version_create,
)
from kizuna.apps.rules import services
from kizuna.apps.rules.digest import (
    DigestItem,
    DigestSection,
    digest_due,
    digest_email,
    digest_for,
    digest_send,
    digests_for,
    digests_send,
)
from kizuna.apps.rules.models import AlertSettings, DigestSent, Firing
from kizuna.apps.tasks.models import Task
from kizuna.apps.tenant.selectors import tenant_today
from tests.apps.notify.conftest import Receiver
from tests.apps.onboarding.conftest import phases
from tests.apps.org.conftest import Inbox
from tests.factories import AccountFactory, SubscriptionLineFactory, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.BASE_URL = "http://testserver"


TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
MONDAY = dt.date(2026, 12, 7)  # a business day
AT_0900 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO)


def grade(account: Any, day: dt.date, value: int) -> None:
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.filter(name="adoption").first()
    HealthScore.objects.create(
        account=account, day=day, model=model, score=50, grade=value, rag="amber"
    )


def task(world: World, title: str, due: dt.date, **fields: Any) -> Task:
    return Task.objects.create(
        account=world.account, owner=world.csm, title=title, due_date=due, **fields
    )


def opt_in(member: Any, receiver: Receiver | None = None, **fields: Any) -> None:
    slack = receiver is not None
    NotificationPreference.objects.create(
        member=member, digest=True, email=True, slack=slack,
        slack_webhook_url=receiver.url("/slack") if receiver else "", **fields,
    )  # fmt: skip


def world_data(world: World, day: dt.date) -> None:
    """One overdue task, one new, a grade fall 4 → 2, a firing held for the digest."""
    task(world, "更新の相談", day - dt.timedelta(days=3))
    task(world, "キックオフ", day + dt.timedelta(days=2))
    grade(world.account, day - dt.timedelta(days=1), 4)
    grade(world.account, day, 2)
    grade(world.other_account, day - dt.timedelta(days=1), 4)
    grade(world.other_account, day, 1)  # not theirs
    rule = services.rule_create(
        actor=world.admin, name="ヘルス低下", data={"trigger": "health_fell"}
    )
    Firing.objects.create(
        rule=rule, rule_version=1, account=world.account, day=day, owner=world.csm,
        priority=2, delivery="digest", value=2, evidence="グレード 4 → 2",
    )  # fmt: skip
    Firing.objects.create(
        rule=rule, rule_version=1, account=world.account, day=day - dt.timedelta(days=1),
        owner=world.csm, priority=2, delivery="immediate", value=1,
    )  # fmt: skip


def _ids(world: World) -> tuple[int, int, int]:
    overdue, new = Task.objects.order_by("pk").values_list("pk", flat=True)
    return world.account.pk, overdue, new


def test_the_digest_of_a_member_in_japanese(world: World) -> None:
    # given a CSM reading Japanese with an overdue task, a new one, a grade fall and a held alert
    world.csm.language = "ja"
    world.csm.save()
    day = tenant_today()
    world_data(world, day)
    # when their digest is read
    digest = digest_for(world.csm, day=day)
    # then it has one section per kind of news, in their language (the account has no MRR:
    # nothing on the worklist; no onboarding)
    a, overdue, new = _ids(world)
    label, label_new = "更新の相談 — 株式会社山田製作所", "キックオフ — 株式会社山田製作所"
    with translation.override("ja"):
        due_overdue = date_format(day - dt.timedelta(days=3))
        due_new = date_format(day + dt.timedelta(days=2))
    assert digest.sections == (
        DigestSection("tasks_new", "新しいタスク", (
            DigestItem(label, f"期限 {due_overdue}。", f"/tasks/{overdue}/"),
            DigestItem(label_new, f"期限 {due_new}。", f"/tasks/{new}/"),
        ), 2),
        DigestSection("tasks_overdue", "期限切れのタスク", (
            DigestItem(label, f"期限 {due_overdue}。", f"/tasks/{overdue}/"),
        ), 1),
        DigestSection("health", "ヘルスの低下", (
            DigestItem("株式会社山田製作所", "グレード 4 → 2。", f"/accounts/{a}/#health"),
        ), 1),
        DigestSection("firings", "ダイジェストに回したアラート", (
            DigestItem("株式会社山田製作所", "ヘルス低下: グレード 4 → 2", f"/accounts/{a}/"),
        ), 1),
    )  # fmt: skip
    assert digest.counts() == {"tasks_new": 2, "tasks_overdue": 1, "health": 1, "firings": 1}


def test_the_digest_in_english_and_its_email(world: World) -> None:
    # given a CSM reading English whose account has MRR and was never touched
    world.csm.language = "en"
    world.csm.save()
    Account.objects.filter(pk=world.account.pk).update(mrr=50_000)
    day = tenant_today()
    task(world, "Renewal call", day - dt.timedelta(days=1), state="done")  # done: not listed
    # when the digest is read and written as an e-mail
    digest = digest_for(world.csm, day=day)
    mail = digest_email(digest, language="en")
    # then the worklist line says why, and the mail has the same in text and HTML
    a = world.account.pk
    with translation.override("en"):
        today = date_format(day)
    assert digest.sections == (
        DigestSection("worklist", "Today: your worklist", (
            DigestItem("株式会社山田製作所", "Never touched: not covered.", f"/accounts/{a}/"),
        ), 1),
    )  # fmt: skip
    assert mail["subject"] == f"[Kizuna] Your morning digest for {today}"
    assert mail["body"] == (
        "■ Today: your worklist (1)\n"
        "- 株式会社山田製作所: Never touched: not covered.\n"
        f"  http://testserver/accounts/{a}/\n"
        "\n"
        "You receive this because of your notification settings: "
        "http://testserver/notifications/preferences/\n"
    )
    assert mail["html"] == (
        "<html><body>\n<h2>Today: your worklist (1)</h2>\n<ul>\n"
        f'<li><a href="http://testserver/accounts/{a}/">株式会社山田製作所</a>: '
        "Never touched: not covered.</li>\n</ul>\n"
        "<p>You receive this because of your notification settings: "
        "http://testserver/notifications/preferences/</p>\n</body></html>\n"
    )


def test_at_most_ten_lines_a_section_and_the_count(world: World) -> None:
    day = tenant_today()
    for n in range(12):
        task(world, f"<b>t{n}</b>", day - dt.timedelta(days=1))
    digest = digest_for(world.csm, day=day)
    overdue = digest.sections[1]
    assert (overdue.key, len(overdue.items), overdue.count) == ("tasks_overdue", 10, 12)
    mail = digest_email(digest, language="ja")
    assert "…ほか 2 件" in mail["body"]
    assert "&lt;b&gt;t0&lt;/b&gt;" in mail["html"] and "<b>t0" not in mail["html"]


def test_a_digest_is_sent_by_email_and_slack_once(
    world: World,
    receiver: Receiver,
    smtp_server: Inbox,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given an opted-in CSM (e-mail and Slack) with an overdue task and a grade fall, and
    # an opted-out teammate with an overdue task
    world.csm.email, world.csm.language = "csm@example.jp", "en"
    world.csm.save()
    opt_in(world.csm, receiver)
    task(world, "Renewal call", MONDAY - dt.timedelta(days=3))
    grade(world.account, MONDAY - dt.timedelta(days=1), 3)
    grade(world.account, MONDAY, 2)
    world.teammate.email = "mate@example.jp"
    world.teammate.save()
    NotificationPreference.objects.create(member=world.teammate, digest=False)
    Task.objects.create(
        account=world.account,
        owner=world.teammate,
        title="x",
        due_date=MONDAY - dt.timedelta(days=9),
    )
    # when the job runs at 9:00 on Monday and the worker sends the queue
    assert digest_due(now=AT_0900)
    assert commit(digests_send, now=AT_0900) == (1, 0)
    run_queue()
    # then the CSM got one e-mail (text and HTML) and one Slack message; the teammate nothing
    assert [m["To"] for m in smtp_server.messages] == ["csm@example.jp"]
    message = smtp_server.messages[0]
    assert message["Subject"] == "[Kizuna] Your morning digest for Dec. 7, 2026"
    assert "- Renewal call — 株式会社山田製作所: Due Dec. 4, 2026." in smtp_server.body()
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None and "<h2>Health drops (1)</h2>" in html_part.get_content()
    slack = receiver.at("/slack")
    assert len(slack) == 1
    assert slack[0].json()["text"] == "Your morning digest for Dec. 7, 2026"
    assert [b["type"] for b in slack[0].json()["blocks"]] == [
        "header", "divider", "section", "divider", "section",
    ]  # fmt: skip
    assert list(DigestSent.objects.values_list("member__username", "day", "counts")) == [
        ("csm", MONDAY, {"tasks_overdue": 1, "health": 1})
    ]
    rows = NotifyDelivery.objects.order_by("pk")
    assert [(d.channel, d.state, d.event_type) for d in rows] == [
        ("email", "sent", "rules.digest"), ("slack", "sent", "rules.digest"),
    ]  # fmt: skip
    # and a second run (later the same day) sends nothing
    assert not digest_due(now=AT_0900 + dt.timedelta(hours=1))
    assert commit(digests_send, now=AT_0900 + dt.timedelta(hours=1)) == (0, 0)
    run_queue()
    assert len(smtp_server.messages) == 1 and len(receiver.at("/slack")) == 1


def test_an_empty_digest_is_recorded_but_not_sent(world: World) -> None:
    opt_in(world.csm)
    world.csm.email = "csm@example.jp"
    world.csm.save()
    assert digests_send(now=AT_0900) == (0, 1)
    assert NotifyDelivery.objects.count() == 0
    assert DigestSent.objects.get().counts == {}
    assert not digest_due(now=AT_0900)


def test_an_inactive_member_gets_nothing(world: World) -> None:
    opt_in(world.csm)
    world.csm.is_active = False
    world.csm.email = "csm@example.jp"
    world.csm.save()
    task(world, "x", MONDAY - dt.timedelta(days=1))
    assert not digest_due(now=AT_0900)
    assert digests_send(now=AT_0900) == (0, 0)
    assert NotifyDelivery.objects.count() == 0


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (dt.datetime(2026, 12, 7, 8, 29, 59, tzinfo=TOKYO), False),  # before 8:30
        (dt.datetime(2026, 12, 7, 8, 30, tzinfo=TOKYO), True),
        (dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC), True),  # 8:30 Monday in Tokyo
        (dt.datetime(2026, 12, 6, 9, 0, tzinfo=TOKYO), False),  # a Sunday
        (dt.datetime(2026, 11, 23, 9, 0, tzinfo=TOKYO), False),  # 勤労感謝の日 (a Monday)
        (dt.datetime(2026, 12, 30, 9, 0, tzinfo=TOKYO), False),  # the year-end closure
    ],
)
def test_only_from_the_digest_time_on_business_days(
    world: World, now: dt.datetime, due: bool
) -> None:
    opt_in(world.csm)
    assert digest_due(now=now) is due


def test_the_digest_time_is_the_company_setting(world: World) -> None:
    opt_in(world.csm)
    AlertSettings.objects.create(digest_time=dt.time(10, 0))
    assert not digest_due(now=AT_0900)
    assert digest_due(now=AT_0900 + dt.timedelta(hours=1))


def test_a_concurrent_second_send_of_the_day_does_nothing(world: World) -> None:
    opt_in(world.csm)
    task(world, "x", MONDAY - dt.timedelta(days=1))
    assert digest_send(member=world.csm, day=MONDAY, now=AT_0900) is not None
    assert digest_send(member=world.csm, day=MONDAY, now=AT_0900) is None
    assert DigestSent.objects.count() == 1


def test_a_digest_reads_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    # given a CSM with many accounts, tasks, grade falls and held alerts
    day = tenant_today()
    world_data(world, day)
    for n in range(30):
        account = AccountFactory(owner=world.csm, team=world.strategic)
        Account.objects.filter(pk=account.pk).update(mrr=1000 + n)
        Task.objects.create(account=account, owner=world.csm, title=f"t{n}", due_date=day)
        grade(account, day - dt.timedelta(days=1), 5)
        grade(account, day, 3)
    # then their digest takes the same few queries as a small one
    with django_assert_max_num_queries(20):
        digest = digest_for(world.csm, day=day)
    assert digest.counts()["worklist"] == 30
    assert digest.counts()["health"] == 31


def test_a_member_on_in_a_digest_finds_their_notifications_in_it(world: World) -> None:
    # given a CSM who takes notifications "in a digest", notified twice (one with a hostile
    # link), and a teammate notified who takes them immediately
    world.csm.language = "en"
    world.csm.save()
    opt_in(world.csm, mode="digest")
    notify_member(
        member=world.csm, kind="k", title="Grade C", body="line 1\n line 2", link="/accounts/1/"
    )
    notify_member(member=world.csm, kind="k", title="Evil", link="javascript:alert(1)")
    # an alert held for the digest has its own section: it is not listed twice
    notify_member(member=world.csm, kind="rule", title="Held", interrupt=False)
    notify_member(member=world.teammate, kind="k", title="Not in a digest")
    NotificationPreference.objects.create(member=world.teammate)
    # when their digests are read
    mine = digest_for(world.csm, day=tenant_today())
    theirs = digest_for(world.teammate, day=tenant_today())
    # then the CSM's lists them, newest first; the teammate's has none
    assert digests_for([world.csm], day=tenant_today())[world.csm.pk].sections == mine.sections
    assert mine.sections == (
        DigestSection("notifications", "Notifications", (
            DigestItem("Evil", "", "/notifications/"),
            DigestItem("Grade C", "line 1 line 2", "/accounts/1/"),
        ), 2),
    )  # fmt: skip
    assert theirs.empty


def test_one_member_failing_never_holds_the_others_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kizuna.apps.rules.digest import send as module

    opt_in(world.csm)
    opt_in(world.teammate)
    real = module.digest_build

    def digest_build_or_fail(member: Any, *, reads: Any) -> Any:
        if member.pk == world.csm.pk:
            raise RuntimeError("boom")
        return real(member, reads=reads)

    monkeypatch.setattr(module, "digest_build", digest_build_or_fail)
    assert digests_send(now=AT_0900) == (0, 1)
    assert list(DigestSent.objects.values_list("member__username", flat=True)) == ["teammate"]
    assert digest_due(now=AT_0900)  # the CSM's is tried again next minute


def many_members_data(world: World, day: dt.date, members: list[Any]) -> None:
    """For each member: accounts on the worklist (never touched, touched long ago), new,
    overdue, snoozed and done tasks, grade falls and a rise, held
    firings (one before their last digest), notifications in a digest, a stalled onboarding
    on the CSM's account, and a digest sent the day before for every other member."""
    now = timezone.now()
    world_data(world, day)
    stalled_onboarding(world, day)
    rule = services.rule_create(actor=world.admin, name="利用減", data={"trigger": "usage_drop"})
    for n, member in enumerate(members):
        member.language = ("ja", "en")[n % 2]
        member.save()
        opt_in(member, mode="digest" if n % 2 else "immediate")
        if n % 2:
            DigestSent.objects.create(
                member=member,
                day=day - dt.timedelta(days=1),
                sent_at=now - dt.timedelta(hours=2),
            )
        for k in range(12 + n):
            account = AccountFactory(owner=member, team=world.strategic, name=f"顧客{n}-{k:02d}")
            Account.objects.filter(pk=account.pk).update(mrr=1000 * (k + 1))
            Task.objects.create(
                account=account, owner=member, title=f"t{n}-{k}",
                due_date=day - dt.timedelta(days=k - 5),
                state=("open", "snoozed", "done")[k % 3],
            )  # fmt: skip
            grade(account, day - dt.timedelta(days=1), 5 - k % 3)
            grade(account, day, 3)
            Firing.objects.create(
                rule=rule, rule_version=1, account=account, day=day - dt.timedelta(days=k % 2),
                owner=member, priority=1 + k % 3, delivery="digest", evidence=f"e{k}",
            )  # fmt: skip
        notify_member(member=member, kind="k", title=f"n{n}", body="b", link="/accounts/")
    Firing.objects.filter(owner__in=members).filter(day__lt=day).update(
        created_at=now - dt.timedelta(hours=3)
    )  # before the last digest of those who had one


def stalled_onboarding(world: World, day: dt.date) -> None:
    template_version_create(actor=None, product=world.product, phases=phases())
    SubscriptionLineFactory(
        account=world.account, product=world.product, start_date=day - dt.timedelta(days=10)
    )
    onboardings_start(as_of=day)
    onboardings_evaluate(as_of=day)


def test_every_digest_read_at_once_equals_each_read_alone(world: World) -> None:
    # given four members with every kind of news, in Japanese and English, some with a
    # digest sent yesterday and some taking their notifications in a digest
    day = tenant_today()
    members = [world.csm, world.teammate, world.manager, world.outsider]
    many_members_data(world, day, members)
    # when their digests are read at once and one by one
    batch = digests_for(members, day=day)
    alone = {member.pk: digest_for(member, day=day) for member in members}
    # then they are the same, and there is something in every section
    assert batch == alone
    keys = {key for digest in batch.values() for key in digest.counts()}
    assert keys == {
        "worklist", "tasks_new", "tasks_overdue", "onboardings", "health", "firings",
        "notifications",
    }  # fmt: skip
    assert batch[world.csm.pk].counts()["onboardings"] == 1
    assert len(batch[world.teammate.pk].sections[0].items) == 10  # TOP of 14 lines


def test_the_digests_of_many_members_take_as_many_queries_as_of_one(world: World) -> None:
    # given two members, then five, each with news in every section (one of the first two
    # takes notifications in a digest)
    day = tenant_today()
    members = [world.csm, world.teammate, world.manager, world.outsider, world.admin]
    many_members_data(world, day, members)
    # when their digests are read at once
    with CaptureQueriesContext(connection) as two:
        digests_for(members[:2], day=day)
    with CaptureQueriesContext(connection) as five:
        found = digests_for(members, day=day)
    # then five cost no more queries than two, and few
    assert len(five.captured_queries) <= len(two.captured_queries) <= 17
    assert all(not digest.empty for digest in found.values())


def test_an_inactive_member_or_an_empty_batch_reads_nothing_wrong(world: World) -> None:
    assert digests_for([], day=tenant_today()) == {}
    empty = digests_for([world.viewer], day=tenant_today())
    assert empty == {world.viewer.pk: digest_for(world.viewer, day=tenant_today())}
    assert empty[world.viewer.pk].empty
