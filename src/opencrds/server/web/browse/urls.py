"""URLs of the browse pages. ``/json/browse/`` is routed in the root URLconf, ahead of the
JSON-RPC endpoint's ``json/<anything>``."""

from django.urls import path

from . import views

urlpatterns = [
    path("browse_db/", views.browse_db, name="browse-db"),
    path("browse/<str:filename>", views.browse_file, name="browse-file"),
]
