"""The survey pages, mounted at /surveys/: the programs, the analysis, comments and topics,
the detractor follow-ups and one answer's page."""

from django.urls import path

from kizuna.apps.surveys import views, views_followup, views_nps

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
    path("nps/", views_nps.nps_page, name="nps"),
    path("nps/answers/", views_nps.nps_answers, name="nps_answers"),
    path("comments/", views_nps.comments_page, name="comments"),
    path("topics/", views_nps.topic_list, name="topic_list"),
    path("topics/new/", views_nps.topic_create, name="topic_create"),
    path("topics/<int:topic_id>/", views_nps.topic_edit, name="topic_edit"),
]
