from django.urls import path

from kizuna.apps.tasks import views

app_name = "tasks"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("team/", views.team, name="team"),
    path("<int:task_id>/", views.detail, name="detail"),
    path("<int:task_id>/done/", views.complete, name="complete"),
    path("<int:task_id>/dismiss/", views.dismiss, name="dismiss"),
    path("<int:task_id>/snooze/", views.snooze, name="snooze"),
    path("<int:task_id>/reopen/", views.reopen, name="reopen"),
    path("<int:task_id>/reassign/", views.reassign, name="reassign"),
    path("<int:task_id>/comment/", views.comment, name="comment"),
    path("accounts/<int:account_id>/new/", views.create, name="create"),
]
