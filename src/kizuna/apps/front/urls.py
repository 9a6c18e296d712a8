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
    # the invitation's link (org.invitations); Django's flow moves the token into the session
    # and the address on to .../set-password/
    path("welcome/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
