from django.urls import path

from api.views import auth

urlpatterns = [
    path("auth/code", auth.SignInCodeView.as_view(), name="auth-code"),
    path("auth/verify", auth.SignInVerifyView.as_view(), name="auth-verify"),
    path("auth/logout", auth.SignOutView.as_view(), name="auth-logout"),
    path("auth/logout-all", auth.SignOutEverywhereView.as_view(), name="auth-logout-all"),
    path("me", auth.MeView.as_view(), name="me"),
]
