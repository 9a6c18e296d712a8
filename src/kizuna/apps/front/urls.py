from django.contrib.auth import views as auth_views
from django.urls import path

from kizuna.apps.front import views

app_name = "front"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        views.LoginView.as_view(template_name="front/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
]
