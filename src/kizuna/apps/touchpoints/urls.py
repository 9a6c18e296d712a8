from django.urls import path

from kizuna.apps.touchpoints import views

app_name = "touchpoints"
urlpatterns = [
    path("<int:account_id>/touchpoints/new/", views.touchpoint_new, name="touchpoint_create"),
    path("touchpoints/<int:touchpoint_id>/edit/", views.touchpoint_edit, name="touchpoint_edit"),
    path(
        "touchpoints/<int:touchpoint_id>/delete/",
        views.touchpoint_delete_confirm,
        name="touchpoint_delete",
    ),
    path("touchpoints/import/", views.import_upload, name="import_upload"),
    path("touchpoints/import/<int:import_id>/", views.import_detail, name="import_detail"),
    path("touchpoints/import/<int:import_id>/run/", views.import_run, name="import_run"),
]
