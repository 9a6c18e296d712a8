from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kizuna.apps.api"
    label = "api"
