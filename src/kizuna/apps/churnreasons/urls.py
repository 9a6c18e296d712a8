from django.urls import path

from kizuna.apps.churnreasons import views

app_name = "churnreasons"
urlpatterns = [
    path("", views.reason_list, name="list"),
    path("report/", views.report, name="report"),
    path("categories/", views.categories, name="categories"),
    path("categories/new/", views.category_new, name="category_new"),
    path("categories/<int:category_id>/", views.category_edit, name="category_edit"),
    path("<int:reason_id>/", views.reason_form, name="form"),
]
