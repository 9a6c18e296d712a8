from django.urls import path

from kizuna.apps.revenue import views

app_name = "revenue"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("targets/", views.targets_save, name="targets_save"),
]
