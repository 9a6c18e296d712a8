"""The survey pages, mounted at /surveys/: programs, the analysis, comments and topics."""

from django.urls import path

from kizuna.apps.surveys import views, views_nps

app_name = "surveys"

urlpatterns = [
    path("programs/", views.program_list, name="program_list"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<int:program_id>/", views.program_edit, name="program_edit"),
    path("nps/", views_nps.nps_page, name="nps"),
    path("nps/answers/", views_nps.nps_answers, name="nps_answers"),
    path("comments/", views_nps.comments_page, name="comments"),
    path("topics/", views_nps.topic_list, name="topic_list"),
    path("topics/new/", views_nps.topic_create, name="topic_create"),
    path("topics/<int:topic_id>/", views_nps.topic_edit, name="topic_edit"),
]
