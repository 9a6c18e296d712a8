"""The account forms' routes, mounted in the ``customers`` namespace by
``kizuna.apps.pages.urls`` with the account list and the account page."""

from django.urls import path

from kizuna.apps.customers import views

urlpatterns = [
    path("new/", views.account_create, name="account_create"),
    path("<int:account_id>/edit/", views.account_edit, name="account_edit"),
    path("<int:account_id>/contacts/new/", views.contact_edit, name="contact_create"),
    path(
        "<int:account_id>/contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"
    ),
    path("<int:account_id>/lines/new/", views.line_edit, name="line_create"),
    path("<int:account_id>/lines/<int:line_id>/edit/", views.line_edit, name="line_edit"),
]
