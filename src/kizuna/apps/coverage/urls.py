"""The coverage pages' routes, mounted in the ``coverage`` namespace by
``kizuna.apps.pages.urls`` with 今日 (``coverage:worklist``)."""

from django.urls import path

from kizuna.apps.coverage import views

urlpatterns = [
    path("coverage/", views.dashboard, name="dashboard"),
    path("coverage/uncovered/", views.uncovered, name="uncovered"),
]
