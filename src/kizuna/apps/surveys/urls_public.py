"""The public survey pages, mounted at /s/ (no sign-in)."""

from django.urls import path

from kizuna.apps.surveys import views_public

app_name = "surveys_public"

urlpatterns = [
    path("<str:token>/", views_public.answer, name="answer"),
    path("<str:token>/thanks/", views_public.thanks, name="thanks"),
]
