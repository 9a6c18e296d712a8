from django.urls import path

from kizuna.apps.rules import views

app_name = "rules"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("new/", views.rule_create, name="create"),
    path("settings/", views.alert_settings_edit, name="settings"),
    path("<int:rule_id>/", views.rule_detail, name="detail"),
    path("<int:rule_id>/enable/", views.rule_enable, name="enable"),
    path("<int:rule_id>/disable/", views.rule_disable, name="disable"),
]
