"""URL map: admin, JSON-RPC, downloads and health (the rpc app owns the last three)."""

from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path


def _static(request, path: str):  # noqa: ANN001, ANN202  (admin assets, no collectstatic)
    return serve_static(request, path, insecure=True)


urlpatterns = [
    path("admin/", admin.site.urls),
    re_path(r"^static/(?P<path>.+)$", _static),
    path("", include("opencrds.server.rpc.urls")),
]
