"""WSGI entry point: ``opencrds.server.wsgi:application`` (used by ``opencrds serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencrds.server.settings")

application = get_wsgi_application()
