from django.urls import path

from kizuna.apps.playbooks import views

app_name = "playbooks"
urlpatterns = [
    path("", views.playbook_list, name="list"),
    path("new/", views.playbook_create, name="create"),
    path("<int:playbook_id>/", views.playbook_detail, name="detail"),
    path("<int:playbook_id>/edit/", views.playbook_edit, name="edit"),
    path("start/<int:account_id>/", views.playbook_start, name="start"),
    path("runs/<int:run_id>/cancel/", views.run_cancel, name="cancel"),
]
