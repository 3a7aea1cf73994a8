"""Public pages, one URL module per part of the site (SERVER.md §1)."""

from django.urls import include, path

urlpatterns = [
    path("", include("opencrds.server.web.contexts.urls")),
    path("", include("opencrds.server.web.browse.urls")),
    path("", include("opencrds.server.web.bestrefs.urls")),
]
