from django.urls import path

from kizuna.apps.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_page, name="page"),
    path("download/", views.export_download, name="download"),
]
