from django.urls import path, re_path

from kizuna.apps.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.latest, name="latest"),
    path("recipients/", views.recipients, name="recipients"),
    # any YYYY-MM: a month that does not exist or is not over yet answers 404 (the view)
    re_path(r"^(?P<month>[0-9]{4}-[0-9]{2})/$", views.page, name="page"),
    re_path(r"^(?P<month>[0-9]{4}-[0-9]{2})\.pdf$", views.pdf, name="pdf"),
]
