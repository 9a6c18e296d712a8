from django.urls import path

from kizuna.apps.expansion import views

app_name = "expansion"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.raise_csql, name="raise"),
    path("conversion/", views.conversion, name="conversion"),
    path("settings/", views.settings_page, name="settings"),
    path("<int:csql_id>/", views.detail, name="detail"),
    path("<int:csql_id>/move/", views.move, name="move"),
    path("<int:csql_id>/hand/", views.hand, name="hand"),
]
