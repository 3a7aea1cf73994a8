"""Account URLs: login, logout and lock status."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    re_path(r"^logout/?$", views.logout_view, name="logout"),
    path("lock_status/<str:username>/", views.lock_status, name="lock-status"),
]
