from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "opencrds.server.catalog"
    label = "catalog"
    verbose_name = "CRDS catalog"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (revision bumps on every catalog change)
