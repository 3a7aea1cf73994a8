"""WSGI entry point: ``opencrds.server.wsgi:application`` (used by ``opencrds serve``).

Importing it is a process's start-up: it prepares the data folder and sets Django up. It does
not apply migrations: ``opencrds manage migrate`` (or ``opencrds serve``) does that once. Static
files need ``opencrds manage collectstatic`` once per install when another server than
``opencrds serve`` runs this application.
"""

from django.core.wsgi import get_wsgi_application

from . import setup

setup()

application = get_wsgi_application()
