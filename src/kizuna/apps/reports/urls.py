from django.urls import path, re_path

from kizuna.apps.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.latest, name="latest"),
    path("recipients/", views.recipients, name="recipients"),
    # YYYY-MM: a string that is not a month, or a month not over yet, answers 404 (the view);
    # the PDF first, so that "x.pdf" is never taken for a page to add a slash to
    re_path(r"^(?P<month>[^/]+)\.pdf$", views.pdf, name="pdf"),
    path("<str:month>/", views.page, name="page"),
]
