from django.urls import path

from kizuna.apps.imports import views

app_name = "imports"

urlpatterns = [
    path("accounts/", views.record_import, {"kind": "accounts"}, name="accounts"),
    path("runs/<int:run_id>/", views.import_run, name="run"),
    path("runs/<int:run_id>/rejected.csv", views.import_run_rejects, name="run_rejects"),
    path("<slug:kind>/", views.record_import, name="import"),
]
