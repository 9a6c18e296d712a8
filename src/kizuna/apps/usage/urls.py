from django.urls import path

from kizuna.apps.usage import views

app_name = "usage"
# the ops page itself (``ops``, at the namespace's root) is composed in ``pages`` and mounted
# with these routes from ``pages.urls``
urlpatterns = [
    path("replay/", views.replay, name="replay"),
    path("upload/", views.upload, name="upload"),
    path("failed-days/<str:day>/retry/", views.failed_day_retry, name="failed_day_retry"),
    path("failed-days/<str:day>/discard/", views.failed_day_discard, name="failed_day_discard"),
]
