"""Survey programs (NPS / CSAT), their schedules, the invitations sent and the answers.

A program is data CS ops edit (its texts in Japanese and English, which contact roles are
asked, throttling, quiet hours, how long a link is valid); each of its schedules says when a
contact is asked (days after a contract line's start, every N months, after onboarding, after a
touchpoint). The daily job ``surveys.invite`` creates one ``SurveyInvitation`` per
(schedule, contact, line, due day) — a rerun finds the row and creates nothing — and e-mails
a signed link to the public answer page (``kizuna.apps.surveys.tokens``).
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kizuna.apps.surveys.followup_models import (
    ContactVia,
    DetractorFollowUp,
    FollowUpStatus,
    ReferralSuggestion,
)
from kizuna.core.voc.categories import NpsCategory, nps_category
from kizuna.core.voc.topics import Topic, normalize_text

__all__ = [
    "AnswerSource",
    "ContactVia",
    "DetractorFollowUp",
    "FollowUpStatus",
    "InvitationStatus",
    "ReferralSuggestion",
    "SkipReason",
    "SurveyAnswer",
    "SurveyAnswerRevision",
    "SurveyContactSetting",
    "SurveyInvitation",
    "SurveyKind",
    "SurveyProgram",
    "SurveySchedule",
    "SurveyTopic",
    "Trigger",
    "nps_category",
]

LANGUAGES = [("ja", "日本語"), ("en", "English")]


def _in_language(ja: str, en: str, language: str | None = None) -> str:
    """The English text when the language is English and it is filled, else the Japanese."""
    lang = language or get_language() or "ja"
    return en if lang.startswith("en") and en else ja


class SurveyKind(models.TextChoices):
    NPS = "nps", _("NPS (0-10)")
    CSAT = "csat", _("CSAT (1-5)")


class SurveyProgram(models.Model):
    """One survey CS ops run: its question, who is asked and how often at most."""

    #: a stable name for the programs Kizuna creates itself ("nps-30-90"); "" for others
    code = models.SlugField(_("code"), max_length=50, blank=True, default="")
    kind = models.CharField(
        _("kind"), max_length=8, choices=SurveyKind.choices, default=SurveyKind.NPS
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    question_ja = models.TextField(_("question (Japanese)"), max_length=500)
    question_en = models.TextField(_("question (English)"), max_length=500, blank=True)
    comment_prompt_ja = models.CharField(_("comment prompt (Japanese)"), max_length=300, blank=True)
    comment_prompt_en = models.CharField(_("comment prompt (English)"), max_length=300, blank=True)
    #: customers.ContactRole values of the contacts asked
    contact_roles = models.JSONField(_("contact roles"), default=list, blank=True)
    throttle_days = models.PositiveSmallIntegerField(
        _("ask a contact at most once in (days)"),
        default=90,
        validators=[MinValueValidator(0), MaxValueValidator(730)],
    )
    quiet_start = models.PositiveSmallIntegerField(
        _("quiet hours start (hour)"),
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
    )
    quiet_end = models.PositiveSmallIntegerField(
        _("quiet hours end (hour)"),
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(23)],
    )
    link_valid_days = models.PositiveSmallIntegerField(
        _("link valid for (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    remind_after_days = models.PositiveSmallIntegerField(
        _("remind after (days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    #: a detractor's follow-up is due this many business days after the answer's day
    detractor_sla_days = models.PositiveSmallIntegerField(
        _("detractor follow-up due in (business days)"),
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("survey program")
        verbose_name_plural = _("survey programs")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="survey_program_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_ja, self.name_en)

    def question_in(self, language: str) -> str:
        return _in_language(self.question_ja, self.question_en, language)

    def comment_prompt_in(self, language: str) -> str:
        return _in_language(self.comment_prompt_ja, self.comment_prompt_en, language)

    @property
    def score_min(self) -> int:
        return 0 if self.kind == SurveyKind.NPS else 1

    @property
    def score_max(self) -> int:
        return 10 if self.kind == SurveyKind.NPS else 5


class Trigger(models.TextChoices):
    LINE_START = "line_start", _("Days after a contract line starts")
    RECURRING = "recurring", _("Every N months")
    ONBOARDING_DONE = "onboarding_done", _("Days after onboarding completes")
    TOUCHPOINT = "touchpoint", _("Days after a touchpoint")


class SurveySchedule(models.Model):
    """When a program asks: ``offset_days`` after the trigger's day (or every N months)."""

    program = models.ForeignKey(
        SurveyProgram,
        verbose_name=_("survey program"),
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    offset_days = models.PositiveSmallIntegerField(
        _("days after"), default=0, validators=[MaxValueValidator(3650)]
    )
    every_months = models.PositiveSmallIntegerField(
        _("every (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    touchpoint_kind = models.CharField(_("touchpoint kind"), max_length=16, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["program", "trigger", "offset_days", "id"]
        verbose_name = _("survey schedule")
        verbose_name_plural = _("survey schedules")

    def __str__(self) -> str:
        return f"{self.program} {self.trigger} +{self.offset_days}"


class InvitationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")
    SKIPPED = "skipped", _("Skipped")


class SkipReason(models.TextChoices):
    THROTTLED = "throttled", _("Asked recently (throttling)")
    NO_EMAIL = "no_email", _("Contact has no e-mail")
    CONTACT_INACTIVE = "contact_inactive", _("Contact does not take surveys")
    ACCOUNT_INACTIVE = "account_inactive", _("Account churned")
    LINE_ENDED = "line_ended", _("Line ended before the due day")
    SEND_FAILED = "send_failed", _("E-mail could not be sent")


class SurveyInvitation(models.Model):
    """One contact asked once by one schedule (for one line, when the trigger is a line)."""

    program = models.ForeignKey(
        SurveyProgram,
        verbose_name=_("survey program"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    schedule = models.ForeignKey(
        SurveySchedule,
        verbose_name=_("schedule"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    line = models.ForeignKey(
        "customers.SubscriptionLine",
        verbose_name=_("subscription line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    due_on = models.DateField(_("due on"))
    #: days since the line's start on ``due_on`` (None without a line)
    tenure_days = models.IntegerField(_("days since the line started"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InvitationStatus.choices,
        default=InvitationStatus.SCHEDULED,
    )
    skip_reason = models.CharField(
        _("reason skipped"), max_length=32, choices=SkipReason.choices, blank=True
    )
    #: not before this moment (quiet hours in company time push a send to the next morning)
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    #: failed attempts to send it (``core.delivery``'s back-off; skipped after the last)
    send_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="ja")
    #: the secret part of the link's token; a new nonce makes every earlier link invalid
    nonce = models.CharField(_("nonce"), max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-due_on", "id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # a rerun (or a second worker) never doubles an invitation; two constraints
            # because a NULL line never equals another NULL in a unique index
            models.UniqueConstraint(
                fields=["schedule", "contact", "line", "due_on"],
                condition=models.Q(line__isnull=False),
                name="survey_invitation_once_per_line",
            ),
            models.UniqueConstraint(
                fields=["schedule", "contact", "due_on"],
                condition=models.Q(line__isnull=True),
                name="survey_invitation_once_without_line",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "send_after"]),
            models.Index(fields=["contact", "-due_on"]),
            models.Index(fields=["account", "-due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.program} → {self.contact} ({self.due_on:%Y-%m-%d})"


class AnswerSource(models.TextChoices):
    LINK = "link", _("Survey link")
    IMPORT = "import", _("Import")
    API = "api", _("API")


class SurveyAnswer(models.Model):
    """One answer: a score (NPS 0–10, CSAT 1–5) and a comment."""

    program = models.ForeignKey(
        SurveyProgram,
        verbose_name=_("survey program"),
        on_delete=models.PROTECT,
        related_name="answers",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices)
    invitation = models.OneToOneField(
        SurveyInvitation,
        verbose_name=_("invitation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answer",
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="survey_answers",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_answers",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_answers",
    )
    score = models.SmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    #: ``core.voc.topics.normalize_text(comment)``, kept by ``save`` and by every bulk write,
    #: so that the comment search is a plain ``contains`` of the normalised query
    comment_normalized = models.TextField(
        _("comment (normalised for search)"), blank=True, default="", editable=False
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    tenure_days = models.IntegerField(_("days since the line started"), null=True, blank=True)
    source = models.CharField(
        pgettext_lazy("survey answer", "source"),
        max_length=8,
        choices=AnswerSource.choices,
        default=AnswerSource.LINK,
    )
    #: True once a later answer through the same link replaced this one's score or comment
    #: (the earlier answers are ``revisions``)
    replaced = models.BooleanField(_("replaced"), default=False)
    #: the survey tool's id of an imported answer (the import's duplicate key), else ""
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-answered_at", "id"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=10),
                name="survey_answer_score_0_10",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="csat")
                | (models.Q(score__gte=1) & models.Q(score__lte=5)),
                name="survey_answer_csat_1_5",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "-answered_at"]),
            models.Index(fields=["account", "-answered_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.score} ({self.answered_at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.comment_normalized = normalize_text(self.comment or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "comment" in update_fields:
            kwargs["update_fields"] = {*update_fields, "comment_normalized"}
        super().save(*args, **kwargs)

    @property
    def category(self) -> NpsCategory | None:
        """The NPS category of an NPS answer; None for CSAT."""
        return nps_category(int(self.score)) if self.kind == SurveyKind.NPS else None


class SurveyAnswerRevision(models.Model):
    """An earlier answer of the same invitation, kept when the contact answered again."""

    answer = models.ForeignKey(
        SurveyAnswer,
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    score = models.SmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"))
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now)

    class Meta:
        ordering = ["answer", "answered_at", "id"]
        verbose_name = _("earlier answer")
        verbose_name_plural = _("earlier answers")

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.score} ({self.answered_at:%Y-%m-%d})"


class SurveyContactSetting(models.Model):
    """A contact's survey language and whether they take surveys at all (no row: Japanese,
    takes surveys)."""

    contact = models.OneToOneField(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="survey_setting",
    )
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES, default="ja")
    opted_out = models.BooleanField(_("takes no surveys"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact's survey setting")
        verbose_name_plural = _("contacts' survey settings")

    def __str__(self) -> str:
        return f"{self.contact} ({self.language})"


class SurveyTopic(models.Model):
    """A topic comments are tagged with (``core.voc.topics``): a comment gets the topic when
    one of its keywords occurs in it. CS ops (admins) edit them; each edit is audited."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    #: the keywords, Japanese and English, in the order they are tried
    keywords = models.JSONField(_("keywords"), default=list)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("comment topic")
        verbose_name_plural = _("comment topics")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_ja, self.name_en)

    def as_topic(self) -> Topic:
        return Topic(self.key, self.name_ja, self.name_en, tuple(self.keywords or ()))
