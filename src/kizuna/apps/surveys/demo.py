"""The demo's voice of the customer: two years of survey invitations and answers.

The default program "NPS 30/90日" is switched on, with two more programs a CS team typically
runs: a relationship NPS every six months of a line, and a CSAT the day after a meeting. Their
invitations over the two years up to ``as_of`` are planned by the same rules as the daily job
(``kizuna.core.voc.schedule.plan_invitations``, every account counted as a customer on the day
it was asked: the line's end decides), then about half of them are answered. A large
load-test demo has 90 days of them and no relationship NPS.

Scores follow the account's health and what happened next: the mean NPS rises with the grade
the account had when asked, and falls by ``CHURN_PENALTY`` points when the account churned in
the year after the answer (so detractors churn more, and NPS says something the usage-based
grade does not). CSAT follows the same way on its 1–5 scale. Comments are short Japanese (some
English) sentences that name the topics of ``kizuna.core.voc.topics`` (料金, サポート,
使いにくい, 機能, 遅い, 導入, 連携 …). Everything is drawn from one seeded generator.

Rows are inserted in bulk (each answer with its normalised comment, as every bulk write keeps
it); the detractors then get their follow-ups from ``followups_for_answers``, as answers
through the link, an import or the API do. The team worked them as a team does: for most
detractors older than ``FOLLOW_UP_AFTER_DAYS`` the owner called within a few days (a call
touchpoint, which marks the follow-up contacted as any touchpoint does), and most of those
contacted more than ``RESOLVED_AFTER_DAYS`` ago were resolved with a note. The recent ones
wait, so the detractor rule has a few to fire on today.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import zoneinfo
from collections.abc import Mapping, Sequence

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.org.models import Role, User
from kizuna.apps.surveys.followup_models import DetractorFollowUp, FollowUpStatus
from kizuna.apps.surveys.followups import followups_for_answers, followups_refresh
from kizuna.apps.surveys.models import (
    AnswerSource,
    InvitationStatus,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKind,
    SurveyProgram,
    SurveySchedule,
    Trigger,
)
from kizuna.apps.surveys.selectors import schedule_inputs
from kizuna.apps.surveys.services import program_defaults_ensure, topic_defaults_ensure
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.voc.schedule import AccountRow, PlannedInvitation
from kizuna.core.voc.topics import normalize_text

#: the days of invitations the demo has, up to its ``as_of``
HISTORY_DAYS = 730
#: … in a large load-test demo, which has no relationship NPS either: planning a recurring
#: schedule looks at every line on every day of the window
LARGE_HISTORY_DAYS = 90
#: the share of the invitations sent that are answered
RESPONSE_RATE = 0.5
#: NPS points taken off an answer when the account churned within a year after it
CHURN_PENALTY = 3.0
#: the grade assumed for an account without a score yet on the day it was asked
DEFAULT_GRADE = 3
#: detractors older than this were followed up (most of them: ``FOLLOWED_UP_SHARE``) …
FOLLOW_UP_AFTER_DAYS = 10
FOLLOWED_UP_SHARE = 0.9
#: … and those contacted longer ago than this mostly resolved (``RESOLVED_SHARE``)
RESOLVED_AFTER_DAYS = 21
RESOLVED_SHARE = 0.8
CALL_SUMMARIES = (
    "NPSのご回答について電話でヒアリング。気になる点を伺い、改善策を検討します。",
    "アンケートのコメントを受けてお電話。ご不満の点を整理し、次回の定例で対応を共有します。",
    "NPSの回答についてご連絡。操作でお困りの点があり、設定を一緒に見直しました。",
)
EMAIL_SUMMARIES = (
    "NPSのご回答へのお礼と、ご不満の点を詳しく伺うメールをお送りしました。",
    "アンケートのコメントについて、解決方法のご案内をメールでお送りしました。",
)
RESOLUTION_NOTES = (
    "ご不満の点に対応し、ご了承いただきました。",
    "改善の予定をお伝えし、次回の定例で進捗を共有することで合意しました。",
    "使い方のご案内で解消しました。",
    "要望として製品チームに共有し、お客様にもお伝えしました。",
)

#: (Japanese comments, English comments) per NPS category, each naming one or two topics
COMMENTS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "detractor": (
        (
            "料金が高すぎると感じます。使っている人数に見合っていません。",
            "サポートへの問い合わせの返信が遅く、解決まで時間がかかります。",
            "画面が使いにくく、現場の社員が慣れずにExcelに戻ってしまいました。",
            "必要な機能が足りません。承認ルートの分岐に対応していないのが困ります。",
            "月末の締めの時期になると動作が遅い。読み込みに待たされます。",
            "導入時の初期設定が複雑で、立ち上げに想定以上の工数がかかりました。",
            "不具合でエラーが出て、申請が止まることが何度かありました。",
            "会計ソフトとの連携がうまくいかず、CSVで手作業をしています。",
            "値上げの説明が不十分でした。来期の予算が通るか分かりません。",
        ),
        (
            "Too expensive for the number of people who actually use it.",
            "Support replies are slow and issues take weeks to close.",
            "The app is slow at month end and the screens are confusing.",
        ),
    ),
    "passive": (
        (
            "大きな不満はありませんが、料金がもう少し安ければと思います。",
            "便利ですが、一部の操作が分かりにくいです。",
            "サポートは丁寧ですが、回答がもう少し早いと助かります。",
            "レポートの機能がもう少し欲しいです。",
            "全体的には満足です。ただ、時々画面の読み込みが遅いです。",
            "マニュアルが分かりやすくなると、新しい社員への説明が楽になります。",
        ),
        (
            "Good overall, but some screens are confusing.",
            "We would like a few more export options in the reports.",
        ),
    ),
    "promoter": (
        (
            "使いやすく、現場にすぐ定着しました。",
            "サポートの対応が早くて丁寧です。いつも助かっています。",
            "導入がスムーズで、オンボーディングの研修も分かりやすかったです。",
            "紙の申請がなくなり、経理の工数が大幅に減りました。",
            "Slack連携が便利で、承認がすぐ回るようになりました。",
            "料金以上の価値があると思います。他部署にもすすめています。",
            "機能が充実していて、ほとんどの業務をこれ一つで済ませています。",
        ),
        (
            "Easy to use, and the support team is great.",
            "Onboarding was smooth and the training was clear.",
        ),
    ),
}
CSAT_COMMENTS: Mapping[int, tuple[str, ...]] = {
    1: ("問い合わせへの回答が的外れで、解決しませんでした。", "Support did not solve our issue."),
    2: ("説明が分かりにくく、結局自分たちで調べました。", "担当者の返信が遅かったです。"),
    3: ("特に問題ありません。",),
    4: ("ご説明が分かりやすかったです。", "設定の相談にすぐ乗ってもらえました。"),
    5: ("回答が早くて助かりました。ありがとうございます。", "Very helpful meeting, thank you."),
}


def surveys_demo_load(
    *,
    as_of: dt.date,
    grades: Mapping[int, Sequence[tuple[dt.date, int]]],
    large: bool = False,
    seed: int = 17,
) -> dict[int, dt.datetime]:
    """Programs, two years of invitations and about half of them answered (see the module
    docstring); ``grades`` are each account's (day, grade) scores, oldest first. Returns when
    each account answered last."""
    rng = random.Random(seed)
    topic_defaults_ensure()  # the comments' topics (seeded by the migration; again if gone)
    programs = _programs(relationship=not large)
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    plan, emails = _plan(as_of, zone, LARGE_HISTORY_DAYS if large else HISTORY_DAYS)
    churn_on = _churn_days()
    invitations = [_invitation(planned, programs, rng, as_of, zone) for planned in plan]
    SurveyInvitation.objects.bulk_create(invitations, batch_size=2000)
    answers = [
        _answer(invitation, programs[invitation.program_id], grades, churn_on, rng, emails)
        for invitation in invitations
        if invitation.status == InvitationStatus.ANSWERED
    ]
    SurveyAnswer.objects.bulk_create(answers, batch_size=2000)
    now = dt.datetime.combine(as_of, dt.time(12), zone)
    followups_for_answers(answer_ids=[a.pk for a in answers if a.pk is not None], now=now)
    _followups_worked(now, rng)
    last: dict[int, dt.datetime] = {}
    for answer in answers:
        last[answer.account_id] = max(
            answer.answered_at, last.get(answer.account_id, answer.answered_at)
        )
    return last


def _programs(*, relationship: bool) -> dict[int, SurveyProgram]:
    nps = program_defaults_ensure()
    SurveyProgram.objects.filter(pk=nps.pk).update(active=True)
    if relationship:
        _relationship_program(nps)
    csat = SurveyProgram.objects.create(
        code="csat-meeting",
        kind=SurveyKind.CSAT,
        name_ja="打ち合わせ後のCSAT",
        name_en="CSAT after a meeting",
        question_ja="本日の打ち合わせの満足度をお聞かせください。",
        question_en="How satisfied were you with today's meeting?",
        comment_prompt_ja="ご意見があればお書きください（任意）",
        comment_prompt_en="Anything we could do better? (optional)",
        throttle_days=30,
    )
    SurveySchedule.objects.create(
        program=csat, trigger=Trigger.TOUCHPOINT, offset_days=1, touchpoint_kind="meeting"
    )
    return {p.pk: p for p in SurveyProgram.objects.filter(active=True)}


def _relationship_program(nps: SurveyProgram) -> None:
    """An NPS every six months of a line, asked of champions too (the same question)."""
    relationship = SurveyProgram.objects.create(
        code="nps-relationship",
        kind=SurveyKind.NPS,
        name_ja="リレーションシップNPS（半年ごと）",
        name_en="Relationship NPS (every six months)",
        question_ja=nps.question_ja,
        question_en=nps.question_en,
        comment_prompt_ja=nps.comment_prompt_ja,
        comment_prompt_en=nps.comment_prompt_en,
        contact_roles=["decision_maker", "admin", "champion"],
        throttle_days=60,
    )
    SurveySchedule.objects.create(program=relationship, trigger=Trigger.RECURRING, every_months=6)


def _plan(
    as_of: dt.date, zone: zoneinfo.ZoneInfo, days: int
) -> tuple[tuple[PlannedInvitation, ...], dict[int, str]]:
    """Every invitation due in the ``days`` up to ``as_of``, as the daily job would
    have planned them (an account is asked while a line of it runs: today's churned accounts
    were customers then, so every account counts as active), and the contacts' e-mails."""
    inputs = schedule_inputs(today=as_of, catch_up_days=days, time_zone=zone.key)
    accounts = [AccountRow(row.account_id, True) for row in inputs.accounts]
    noon = dt.datetime.combine(as_of, dt.time(12), zone)
    plan = inputs.plan(
        today=as_of, now=noon, time_zone=zone.key, catch_up_days=days, accounts=accounts
    )
    return plan.all, {row.contact_id: row.email for row in inputs.contacts}


def _churn_days() -> dict[int, dt.date]:
    """Each churned account's churn day: the end of its last line, when no line runs on."""
    running: set[int] = set()
    last: dict[int, dt.date] = {}
    for account_id, end in SubscriptionLine.objects.values_list("account_id", "end_date"):
        if end is None:
            running.add(account_id)
        else:
            last[account_id] = max(end, last.get(account_id, end))
    return {pk: day for pk, day in last.items() if pk not in running}


def _invitation(
    planned: PlannedInvitation,
    programs: Mapping[int, SurveyProgram],
    rng: random.Random,
    as_of: dt.date,
    zone: zoneinfo.ZoneInfo,
) -> SurveyInvitation:
    """The invitation as it stands on ``as_of``: skipped, answered, expired or still open."""
    program = programs[planned.program_id]
    row = SurveyInvitation(
        program_id=planned.program_id,
        schedule_id=planned.schedule_id,
        account_id=planned.account_id,
        contact_id=planned.contact_id,
        line_id=planned.line_id,
        product_id=planned.product_id,
        due_on=planned.due_on,
        tenure_days=planned.tenure_days,
        language=planned.language,
        status=InvitationStatus.SKIPPED,
        skip_reason=planned.skip_reason or "",
        nonce=f"{rng.getrandbits(128):032x}",
    )
    if planned.skip_reason is not None:
        row.nonce = ""
        return row
    sent = dt.datetime.combine(planned.due_on, dt.time(10), zone).astimezone(dt.UTC)
    row.send_after = row.sent_at = sent
    row.expires_at = sent + dt.timedelta(days=program.link_valid_days)
    answered = sent + dt.timedelta(hours=min(rng.expovariate(1 / 30), 24 * 10))
    now = dt.datetime.combine(as_of, dt.time(12), zone)
    if rng.random() < RESPONSE_RATE and answered < now:
        row.status, row.answered_at = InvitationStatus.ANSWERED, answered
    elif row.expires_at <= now:
        row.status = InvitationStatus.EXPIRED
    else:
        row.status = InvitationStatus.SENT
    return row


def _grade_on(history: Sequence[tuple[dt.date, int]], day: dt.date) -> int:
    at = bisect.bisect_right(history, (day, 99)) - 1
    return history[at][1] if at >= 0 else DEFAULT_GRADE


def _answer(
    invitation: SurveyInvitation,
    program: SurveyProgram,
    grades: Mapping[int, Sequence[tuple[dt.date, int]]],
    churn_on: Mapping[int, dt.date],
    rng: random.Random,
    emails: Mapping[int, str],
) -> SurveyAnswer:
    assert invitation.answered_at is not None
    grade = _grade_on(grades.get(invitation.account_id, ()), invitation.due_on)
    churn = churn_on.get(invitation.account_id)
    churns = churn is not None and 0 < (churn - invitation.due_on).days <= 365
    if program.kind == SurveyKind.CSAT:
        score = _draw(rng, 2.3 + 0.55 * grade - (1.0 if churns else 0.0), 0.8, 1, 5)
        comment = rng.choice(CSAT_COMMENTS[score]) if rng.random() < 0.4 else ""
    else:
        score = _draw(rng, 3.6 + 1.3 * grade - (CHURN_PENALTY if churns else 0.0), 1.6, 0, 10)
        comment = _nps_comment(rng, score)
    return SurveyAnswer(
        program=program,
        kind=program.kind,
        invitation=invitation,
        account_id=invitation.account_id,
        contact_id=invitation.contact_id,
        email=emails.get(invitation.contact_id, ""),
        product_id=invitation.product_id,
        score=score,
        comment=comment,
        comment_normalized=normalize_text(comment),
        answered_at=invitation.answered_at,
        tenure_days=invitation.tenure_days,
        source=AnswerSource.LINK,
    )


def _draw(rng: random.Random, mean: float, sd: float, low: int, high: int) -> int:
    return min(max(math.floor(rng.gauss(mean, sd) + 0.5), low), high)


def _nps_comment(rng: random.Random, score: int) -> str:
    category = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    if rng.random() > (0.75 if category == "detractor" else 0.5):
        return ""
    japanese, english = COMMENTS[category]
    return rng.choice(english) if rng.random() < 0.1 else rng.choice(japanese)


def _followups_worked(now: dt.datetime, rng: random.Random) -> None:
    """The team's follow-up of the older detractors (see the module docstring): a call by the
    owner a few days after the answer, the follow-up marked contacted from it as the minute
    job does, then most of the contacted ones resolved with a note."""
    calls = []
    waiting = DetractorFollowUp.objects.filter(
        status=FollowUpStatus.NEW,
        withdrawn_at__isnull=True,
        answered_at__lt=now - dt.timedelta(days=FOLLOW_UP_AFTER_DAYS),
    ).values_list("account_id", "owner_id", "answered_at")
    # an account without an owner (tech touch, served one-to-many) hears from a CSM by e-mail
    pool = list(User.objects.filter(role=Role.CSM, is_active=True).values_list("pk", flat=True))
    for account_id, owner_id, answered_at in waiting.order_by("pk"):
        if rng.random() >= FOLLOWED_UP_SHARE or (owner_id is None and not pool):
            continue
        when = answered_at + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 6))
        calls.append(
            Touchpoint(
                account_id=account_id,
                csm_id=owner_id if owner_id is not None else rng.choice(pool),
                kind="call" if owner_id is not None else "email",
                occurred_at=min(when, now),
                summary=rng.choice(CALL_SUMMARIES if owner_id is not None else EMAIL_SUMMARIES),
            )
        )
    Touchpoint.objects.bulk_create(calls, batch_size=2000)
    followups_refresh(now=now)
    resolved = []
    contacted = (
        DetractorFollowUp.objects.filter(
            status=FollowUpStatus.CONTACTED,
            first_contact_at__lt=now - dt.timedelta(days=RESOLVED_AFTER_DAYS),
        )
        .order_by("pk")
        .select_related("touchpoint")
    )
    for followup in contacted:
        if rng.random() >= RESOLVED_SHARE or followup.first_contact_at is None:
            continue
        followup.status = FollowUpStatus.RESOLVED
        followup.resolved_at = followup.first_contact_at + dt.timedelta(days=rng.randint(2, 20))
        followup.resolved_by_id = followup.owner_id or (
            followup.touchpoint.csm_id if followup.touchpoint is not None else None
        )
        followup.resolution_note = rng.choice(RESOLUTION_NOTES)
        resolved.append(followup)
    DetractorFollowUp.objects.bulk_update(
        resolved, ["status", "resolved_at", "resolved_by", "resolution_note"], batch_size=1000
    )
