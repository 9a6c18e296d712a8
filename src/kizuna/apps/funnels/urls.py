from django.urls import path

from kizuna.apps.funnels import views

app_name = "funnels"
urlpatterns = [
    path("", views.funnels_page, name="page"),
]
