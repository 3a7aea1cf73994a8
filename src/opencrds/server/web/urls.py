"""Public pages, one URL module per part of the site (SERVER.md §1), and the site's icon."""

from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url="/static/opencrds/favicon.svg", permanent=True)),
    path("", include("opencrds.server.web.contexts.urls")),
    path("", include("opencrds.server.web.browse.urls")),
    path("", include("opencrds.server.web.bestrefs.urls")),
]
