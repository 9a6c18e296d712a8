from django.urls import path

from kizuna.apps.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.notifications_read, name="read"),
    path("preferences/", views.preferences, name="preferences"),
    path("deliveries/", views.delivery_list, name="deliveries"),
    path("deliveries/<int:delivery_id>/replay/", views.delivery_replay_view, name="replay"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path(
        "webhooks/<int:endpoint_id>/deactivate/",
        views.webhook_deactivate,
        name="webhook_deactivate",
    ),
]
