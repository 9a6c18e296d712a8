from django.urls import path

from kizuna.apps.imports import views

app_name = "imports"

urlpatterns = [
    path("accounts/", views.account_import, name="accounts"),
    path("runs/<int:run_id>/", views.import_run, name="run"),
]
