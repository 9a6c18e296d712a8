from django.urls import path

from kizuna.apps.imports import views

app_name = "imports"

urlpatterns = [
    path("accounts/", views.record_import, {"kind": "accounts"}, name="accounts"),
    path("<slug:kind>/", views.record_import, name="import"),
]
