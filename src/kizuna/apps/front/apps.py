from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "kizuna.apps.front"
    label = "front"
