"""URLs of the bestrefs pages and the file difference (CRDS's paths, SERVER.md §1.3, §1.4,
§1.6, §1.14)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("bestrefs/", views.bestrefs, name="bestrefs"),
    path("bestrefs_explore/", views.bestrefs_explore, name="bestrefs-explore"),
    path("difference/", views.difference, name="difference-files"),
]
