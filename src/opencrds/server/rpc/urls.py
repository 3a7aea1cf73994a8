"""JSON-RPC, downloads and health URLs."""

from django.urls import path, re_path

from . import downloads, views

urlpatterns = [
    re_path(r"^json/?$", views.json_rpc, name="json-rpc"),
    re_path(r"^json/(?P<suffix>.*)$", views.json_rpc, name="json-rpc-suffix"),
    re_path(r"^unchecked_get/(?P<branch>mappings|references|config)/(?P<observatory>[^/]*)/"
            r"(?P<name>.*)$", downloads.unchecked_get, name="unchecked-get"),
    re_path(r"^unchecked_bundle/(?P<observatory>[^/]*)/$", downloads.unchecked_bundle,
            name="unchecked-bundle"),
    path("health", views.health, name="health"),
    path("health/", views.health),
]
