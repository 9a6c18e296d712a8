"""The token pages keep the route names they had when org served them (``org:tokens``,
``org:token_revoke``)."""

from django.urls import path

from kizuna.apps.front import tokens

app_name = "org"
urlpatterns = [
    path("me/tokens/", tokens.tokens, name="tokens"),
    path("me/tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
]
