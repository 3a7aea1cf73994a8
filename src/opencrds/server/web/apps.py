"""Django app of the web site (templates, static files, public pages)."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "opencrds.server.web"
    label = "web"
    verbose_name = "OpenCRDS web site"
