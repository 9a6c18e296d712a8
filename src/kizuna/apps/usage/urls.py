from django.urls import path

from kizuna.apps.usage import views

app_name = "usage"
urlpatterns = [
    path("", views.ops, name="ops"),
    path("replay/", views.replay, name="replay"),
    path("upload/", views.upload, name="upload"),
    path("failed-days/<str:day>/retry/", views.failed_day_retry, name="failed_day_retry"),
    path("failed-days/<str:day>/discard/", views.failed_day_discard, name="failed_day_discard"),
]
