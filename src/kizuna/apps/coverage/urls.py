from django.urls import path

from kizuna.apps.coverage import views

app_name = "coverage"
urlpatterns = [
    path("today/", views.worklist, name="worklist"),
    path("coverage/", views.dashboard, name="dashboard"),
    path("coverage/uncovered/", views.uncovered, name="uncovered"),
]
