from django.urls import path

from kizuna.apps.diagnosis import views

app_name = "diagnosis"
urlpatterns = [
    path("", views.page, name="page"),
    path("settings/", views.settings_list, name="settings"),
    path("settings/<slug:rule_key>/", views.setting_edit, name="setting_edit"),
]
