from django.urls import path

from kizuna.apps.onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("", views.board, name="board"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("templates/", views.templates, name="templates"),
    path("templates/<slug:code>/", views.template_edit, name="template_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/criteria/<int:criterion_id>/", views.tick, name="tick"),
]
