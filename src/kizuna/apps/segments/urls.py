from django.urls import path

from kizuna.apps.segments import views

app_name = "segments"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<int:review_id>/", views.review_detail, name="review"),
    path("reviews/<int:review_id>/apply/", views.review_apply, name="review_apply"),
    path("exceptions/", views.exceptions_report, name="exceptions"),
    path("policies/<slug:segment>/", views.policy_edit, name="policy_edit"),
    path("accounts/<int:account_id>/exception/", views.exception_create, name="exception_create"),
]
