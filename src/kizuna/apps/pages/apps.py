from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Pages that combine several apps (the account list and the account 360 page, 今日). They
    sit above every app they read, so that no lower app reaches up to build them."""

    name = "kizuna.apps.pages"
    label = "pages"
