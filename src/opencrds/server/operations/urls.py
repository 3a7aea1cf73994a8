"""Operator pages: set context and mark files bad."""

from django.urls import path

from . import views

urlpatterns = [
    path("set_default_context/", views.set_default_context, name="set-default-context"),
    path("mark_bad/", views.mark_bad, name="mark-bad"),
]
