from django.urls import path

from kizuna.apps.touchpoints import views

app_name = "touchpoints"
urlpatterns = [
    path("<int:account_id>/touchpoints/new/", views.touchpoint_new, name="touchpoint_create"),
]
