from django.urls import path

from kizuna.apps.renewals import views

app_name = "renewals"
urlpatterns = [
    path("", views.pipeline, name="pipeline"),
    path("cadence/", views.cadence_settings, name="cadence"),
    path("<int:renewal_id>/", views.renewal_detail, name="detail"),
    path("<int:renewal_id>/stage/", views.renewal_stage, name="stage"),
    path("<int:renewal_id>/call/", views.renewal_call, name="call"),
    path("<int:renewal_id>/plan/", views.plan_save, name="plan"),
    path("<int:renewal_id>/review/", views.review_sign_off, name="sign_off"),
]
