"""URL map: admin, JSON-RPC, downloads and health (the rpc app), accounts (login, locks),
submissions (uploads, jpoll, forms, review), operator actions and the web site's pages."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve as serve_file

from opencrds.server.web.browse.views import json_browse


def _static(request, path: str):  # noqa: ANN001, ANN202
    """What WhiteNoise did not serve from ``STATIC_ROOT``: 404 for a missing file, 400 for a
    path out of the folder (``django.views.static.serve`` refuses it)."""
    return serve_file(request, path, document_root=settings.STATIC_ROOT)


urlpatterns = [
    path("admin/", admin.site.urls),
    re_path(r"^static/(?P<path>.+)$", _static),
    path("json/browse/", json_browse, name="json-browse"),  # before json/<anything> (rpc)
    path("", include("opencrds.server.rpc.urls")),
    path("", include("opencrds.server.accounts.urls")),
    path("", include("opencrds.server.submissions.urls")),
    path("", include("opencrds.server.operations.urls")),
    path("", include("opencrds.server.web.urls")),
]

handler400 = "opencrds.server.web.errors.bad_request"
handler403 = "opencrds.server.web.errors.forbidden"
handler404 = "opencrds.server.web.errors.not_found"
handler500 = "opencrds.server.web.errors.server_error"
