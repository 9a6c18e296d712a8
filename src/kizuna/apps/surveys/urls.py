"""The survey pages, mounted at /surveys/: the programs, the detractor follow-ups and one
answer's page."""

from django.urls import path

from kizuna.apps.surveys import views, views_followup

app_name = "surveys"

urlpatterns = [
    path("programs/", views.program_list, name="program_list"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<int:program_id>/", views.program_edit, name="program_edit"),
    path("detractors/", views_followup.detractor_list, name="detractor_list"),
    path("answers/<int:answer_id>/", views_followup.answer_detail, name="answer_detail"),
    path(
        "answers/<int:answer_id>/referral/",
        views_followup.referral_suggest,
        name="referral_suggest",
    ),
    path(
        "followups/<int:followup_id>/resolve/",
        views_followup.followup_resolve,
        name="followup_resolve",
    ),
    path(
        "followups/<int:followup_id>/contacted/",
        views_followup.followup_contacted,
        name="followup_contacted",
    ),
]
