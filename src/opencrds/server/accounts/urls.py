"""Account URLs: the home page (for now), login, logout and lock status."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    re_path(r"^logout/?$", views.logout_view, name="logout"),
    path("lock_status/<str:username>/", views.lock_status, name="lock-status"),
]
