"""REST endpoints for surveys (docs/surveys.md): the programs (``/api/v1/surveys/programs``),
the invitations (``/api/v1/surveys/invitations``, never their link's token) and the answers
(``/api/v1/surveys/answers``: list, and post one from an in-product survey)."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Id, Pages, errors
from kizuna.apps.customers.models import Contact
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import (
    can_post_survey_answers,
    can_view_survey_answers,
    can_view_survey_programs,
)
from kizuna.apps.surveys.answers import AnswerRefused, answer_post
from kizuna.apps.surveys.models import SurveyAnswer, SurveyInvitation, SurveyProgram
from kizuna.core.voc.answer_import import MAX_COMMENT

router = Router(tags=["surveys"])

#: what each refusal of a posted answer says (the code is the import's reason code)
REFUSAL_MESSAGES = {
    "missing_email": _("Give the contact's id or e-mail."),
    "unknown_contact": _("No contact has this id or e-mail."),
    "unknown_program": _("No survey program has this code."),
    "bad_score": _("The score is not a whole number."),
    "score_out_of_range": _("The score is outside the program's range (NPS 0–10, CSAT 1–5)."),
    "bad_date": _("The answer date is not a date between 2000 and tomorrow."),
    "comment_too_long": _("The comment is too long."),
    "duplicate": _("This contact's answer to this program at this time is already stored."),
}


class ProgramOut(Schema):
    id: int
    code: str
    kind: str = Field(description="nps (0–10) or csat (1–5)")
    name_ja: str
    name_en: str
    active: bool


class InvitationOut(Schema):
    id: int
    program: str = Field(description="program code")
    account_id: int
    contact_id: int
    line_id: int | None
    due_on: dt.date
    tenure_days: int | None
    status: str = Field(description="scheduled, sent, answered, expired or skipped")
    skip_reason: str
    sent_at: dt.datetime | None
    reminded_at: dt.datetime | None
    expires_at: dt.datetime | None
    answered_at: dt.datetime | None
    language: str

    @staticmethod
    def resolve_program(obj: SurveyInvitation) -> str:
        return obj.program.code


class AnswerOut(Schema):
    id: int
    program: str = Field(description="program code")
    kind: str
    account_id: int
    contact_id: int | None
    invitation_id: int | None
    score: int
    comment: str
    answered_at: dt.datetime
    tenure_days: int | None
    source: str = Field(description="link, import or api")
    external_id: str

    @staticmethod
    def resolve_program(obj: SurveyAnswer) -> str:
        return obj.program.code


class AnswerFiltersIn(Schema):
    program: str | None = Field(None, max_length=50, description="program code")
    account_id: Id | None = None
    since: dt.datetime | None = Field(None, description="answered at or after")


class InvitationFiltersIn(Schema):
    program: str | None = Field(None, max_length=50, description="program code")
    account_id: Id | None = None
    status: Literal["scheduled", "sent", "answered", "expired", "skipped"] | None = None


class AnswerIn(Schema):
    contact_id: Id | None = None
    email: str = Field("", max_length=254, description="the contact's e-mail, without an id")
    program: str = Field("", max_length=50, description="program code; default the NPS one")
    score: int = Field(ge=-32768, le=32767)
    comment: str = Field("", max_length=MAX_COMMENT)
    answered_at: dt.datetime | None = Field(None, description="default: now")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@router.get("/surveys/programs", response={200: list[ProgramOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_survey_programs(request: AuthedRequest) -> Any:
    """Every survey program (every member reads them)."""
    _require(can_view_survey_programs(request.user))
    return SurveyProgram.objects.order_by("id")


@router.get("/surveys/invitations", response={200: list[InvitationOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_survey_invitations(request: AuthedRequest, filters: Query[InvitationFiltersIn]) -> Any:
    """Survey invitations, latest due first; the link's token is never shown."""
    _require(can_view_survey_answers(request.user))
    found: QuerySet[SurveyInvitation] = SurveyInvitation.objects.select_related("program")
    if filters.program:
        found = found.filter(program__code=filters.program)
    if filters.account_id:
        found = found.filter(account_id=filters.account_id)
    if filters.status:
        found = found.filter(status=filters.status)
    return found.order_by("-due_on", "-id")


@router.get("/surveys/answers", response={200: list[AnswerOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_survey_answers(request: AuthedRequest, filters: Query[AnswerFiltersIn]) -> Any:
    """Survey answers, newest first; filtered by program, account and answered since."""
    _require(can_view_survey_answers(request.user))
    found: QuerySet[SurveyAnswer] = SurveyAnswer.objects.select_related("program")
    if filters.program:
        found = found.filter(program__code=filters.program)
    if filters.account_id:
        found = found.filter(account_id=filters.account_id)
    if filters.since:
        found = found.filter(answered_at__gte=filters.since)
    return found.order_by("-answered_at", "-id")


@router.post("/surveys/answers", response={201: AnswerOut, **errors(400, 403, 409)})
def create_survey_answer(request: AuthedRequest, payload: AnswerIn) -> Status[Any]:
    """Record one answer from an in-product survey (source ``api``): CS ops admins' tokens,
    else 403. Refused with 400 (``missing_email``, ``unknown_contact``, ``unknown_program``,
    ``score_out_of_range``, ``bad_date``) or 409 (``duplicate``), as the import's rows."""
    _require(can_post_survey_answers(request.user))
    contact = None
    if payload.contact_id is not None:
        contact = Contact.objects.filter(pk=payload.contact_id).first()
        if contact is None:
            return _refused("unknown_contact")
    try:
        answer = answer_post(
            contact=contact,
            email=payload.email,
            program_code=payload.program,
            score=payload.score,
            comment=payload.comment,
            answered_at=payload.answered_at,
            actor=request.user,
        )
    except AnswerRefused as refusal:
        return _refused(refusal.code)
    return Status(201, answer)


def _refused(code: str) -> Status[Any]:
    status = 409 if code == "duplicate" else 400
    return Status(status, {"error": {"code": code, "message": str(REFUSAL_MESSAGES[code])}})
