from django.urls import path

from kizuna.apps.usage import views

app_name = "usage"
urlpatterns = [
    path("", views.ops, name="ops"),
    path("replay/", views.replay, name="replay"),
    path("upload/", views.upload, name="upload"),
]
