"""The renewal forecast page, mounted at ``/renewals/forecast/`` by ``kizuna.urls`` (kept apart
from the pipeline's ``urls.py``)."""

from django.urls import path

from kizuna.apps.renewals import views_forecast

app_name = "renewals_forecast"
urlpatterns = [
    path("", views_forecast.forecast, name="forecast"),
]
