from django.urls import path

from kizuna.apps.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.board, name="board"),
    path("log/", views.feedback_list, name="list"),
    path("new/", views.feedback_new, name="new"),
    path("<int:feedback_id>/link/", views.feedback_link, name="link"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:request_id>/status/", views.request_status, name="request_status"),
]
