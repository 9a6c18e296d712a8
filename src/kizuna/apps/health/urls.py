from django.urls import path

from kizuna.apps.health import views

app_name = "health"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("approach/", views.approach, name="approach"),
    path("models/", views.models, name="models"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("models/<int:pk>/backtest/", views.model_backtest, name="model_backtest"),
    path("models/<int:pk>/edit/", views.model_edit, name="model_edit"),
    path("models/<int:pk>/publish/", views.model_publish, name="model_publish"),
    path("models/<int:pk>/upload/", views.model_upload_backtest, name="model_upload"),
    path("accounts/<int:account_id>/sentiment/", views.sentiment, name="sentiment"),
]
