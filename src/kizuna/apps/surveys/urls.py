"""The survey program pages, mounted at /surveys/."""

from django.urls import path

from kizuna.apps.surveys import views

app_name = "surveys"

urlpatterns = [
    path("programs/", views.program_list, name="program_list"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<int:program_id>/", views.program_edit, name="program_edit"),
]
