from django.urls import path

from kizuna.apps.kpis import views

app_name = "kpis"
urlpatterns = [
    path("", views.home, name="home"),
    path("targets/", views.targets, name="targets"),
]
