from django.urls import path

from kizuna.apps.assignments import views

app_name = "assignments"
urlpatterns = [
    path("load/", views.load, name="load"),
    path("load/auto-assign/", views.auto_assign, name="auto_assign"),
    path("capacity/", views.capacity, name="capacity"),
    path("accounts/<int:account_id>/reassign/", views.reassign, name="reassign"),
    path("accounts/<int:account_id>/handoff/", views.handoff, name="handoff"),
]
