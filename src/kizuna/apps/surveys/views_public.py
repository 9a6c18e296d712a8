"""The public answer page (``/s/<token>/``): no sign-in, one question, the company's name and
nothing else about the customer, in the contact's language, on a phone as on a desk.

Every request is counted per client address and per token (``ratelimit``) before the token is
even read; a malformed or tampered token gets the friendly "not valid" page with 404, an
expired link the "expired" page with 410, too many requests 429 — never an error page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from kizuna.apps.front.http import client_ip_address
from kizuna.apps.surveys import ratelimit
from kizuna.apps.surveys.forms import AnswerForm
from kizuna.apps.surveys.models import SurveyAnswer, SurveyInvitation
from kizuna.apps.surveys.services import AnswerRefused, answer_through_link, link_is_open
from kizuna.apps.surveys.tokens import invitation_from_token
from kizuna.apps.tenant.selectors import tenant_settings_get


@dataclass(frozen=True)
class PublicPage:
    """What the public templates show: the company, the language, and for the form the
    question, the comment prompt and the score scale."""

    company: str
    language: str
    question: str = ""
    comment_prompt: str = ""
    scores: tuple[int, ...] = ()
    answered_score: int | None = None


def _message(
    request: HttpRequest, template: str, status: int, language: str = "ja"
) -> HttpResponse:
    page = PublicPage(company=tenant_settings_get().company_name, language=language)
    with translation.override(language):
        return render(request, template, {"page": page}, status=status)


def _limited(request: HttpRequest, token: str) -> bool:
    address = client_ip_address(request) or "unknown"
    by_address = ratelimit.hit(ratelimit.PER_ADDRESS, address)
    by_token = ratelimit.hit(ratelimit.PER_TOKEN, token[:400])
    return not (by_address and by_token)


def _page(invitation: SurveyInvitation, answer: SurveyAnswer | None) -> PublicPage:
    program = invitation.program
    return PublicPage(
        company=tenant_settings_get().company_name,
        language=invitation.language,
        question=program.question_in(invitation.language),
        comment_prompt=program.comment_prompt_in(invitation.language),
        scores=tuple(range(program.score_min, program.score_max + 1)),
        answered_score=int(answer.score) if answer is not None else None,
    )


@never_cache
@csrf_protect
def answer(request: HttpRequest, token: str) -> HttpResponse:
    if _limited(request, token):
        return _message(request, "surveys/public_limited.html", 429)
    invitation = invitation_from_token(token)
    if invitation is None:
        return _message(request, "surveys/public_invalid.html", 404)
    language = invitation.language or "ja"
    if not link_is_open(invitation, timezone.now()):
        return _message(request, "surveys/public_expired.html", 410, language)
    earlier = SurveyAnswer.objects.filter(invitation=invitation).first()
    with translation.override(language):
        initial = {"score": earlier.score, "comment": earlier.comment} if earlier else None
        form = AnswerForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            kind=invitation.program.kind,
        )
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    answer_through_link(
                        invitation=invitation,
                        score=form.cleaned_data["score"],
                        comment=form.cleaned_data["comment"],
                    )
                except AnswerRefused as refused:
                    if refused.code == "expired":
                        return _message(request, "surveys/public_expired.html", 410, language)
                    form.add_error(
                        "score", AnswerForm.base_fields["score"].error_messages["required"]
                    )
                else:
                    return redirect("surveys_public:thanks", token)
            status = 400
        context = {"page": _page(invitation, earlier), "form": form}
        return render(request, "surveys/public_answer.html", context, status=status)


@never_cache
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    if _limited(request, token):
        return _message(request, "surveys/public_limited.html", 429)
    invitation = invitation_from_token(token)
    if invitation is None:
        return _message(request, "surveys/public_invalid.html", 404)
    language = invitation.language or "ja"
    answer = SurveyAnswer.objects.filter(invitation=invitation).first()
    if answer is None:
        return redirect("surveys_public:answer", token)
    with translation.override(language):
        context = {"page": _page(invitation, answer), "token": token}
        return render(request, "surveys/public_thanks.html", context)
