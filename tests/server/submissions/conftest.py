"""Fixtures of the upload-area and jpoll tests: users on each database backend, each test's
own upload folder, Django test clients logged in as them, and live-server sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def uploads_root(settings, tmp_path: Path) -> Path:  # noqa: ANN001
    """This test's ``OPENCRDS_UPLOADS`` (seen by the live server thread too)."""
    settings.OPENCRDS_UPLOADS = tmp_path / "uploads"
    return settings.OPENCRDS_UPLOADS


@pytest.fixture
def users(backend: str, database: str, db: None) -> dict[str, Any]:
    """Two plain users, alice and bob (rolled back after the test)."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    return {name: model.objects.create_user(name, f"{name}@example.org", "pw-" + name)
            for name in ("alice", "bob")}


def logged_in(user: Any, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


@pytest.fixture
def alice(users: dict[str, Any], uploads_root: Path) -> Client:
    return logged_in(users["alice"])


@pytest.fixture
def bob(users: dict[str, Any], uploads_root: Path) -> Client:
    return logged_in(users["bob"])


@pytest.fixture
def live_user(hst_http_server, uploads_root: Path) -> Iterator[tuple[Any, Any, str]]:  # noqa: ANN001
    """(live server, a committed user, the session id it is logged in with); the user, its
    sessions and channels are deleted afterwards."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from opencrds.server.submissions.models import JpollChannel

    model = get_user_model()
    model.objects.filter(username="carol").delete()
    user = model.objects.create_user("carol", "carol@example.org", "pw-carol")
    client = Client()
    client.force_login(user)
    session_id = client.cookies["sessionid"].value
    try:
        yield hst_http_server, user, session_id
    finally:
        JpollChannel.objects.filter(user=user).delete()
        Session.objects.filter(session_key=session_id).delete()
        user.delete()


# ---- opencrds serve (gunicorn workers in processes of their own) ----------------------------------

LOGIN_SCRIPT = """
import uuid
from django.contrib.auth import get_user_model
from django.test import Client
user = get_user_model().objects.create_user("e2e-" + uuid.uuid4().hex[:8], password=uuid.uuid4().hex)
client = Client()
client.force_login(user)
print(user.pk, client.cookies["sessionid"].value)
"""


@pytest.fixture(scope="module")
def served(server_pool):  # noqa: ANN001, ANN201
    """``opencrds serve`` of the HST cache on SQLite (two gunicorn workers)."""
    from server_helpers import CRDS_CACHE, HAVE_SHARED_DATA

    if not HAVE_SHARED_DATA:
        pytest.skip(f"shared CRDS data not found at {CRDS_CACHE} (set OPENCRDS_SHARED_DATA)")
    return server_pool.get("sqlite", "hst")


@pytest.fixture
def served_login(served) -> tuple[Any, int, str]:  # noqa: ANN001
    """(the served server, a new user's pk, the session id it is logged in with), made by
    ``opencrds manage shell`` in the server's home."""
    done = served.manage("shell", "-c", LOGIN_SCRIPT)
    pk, session_id = done.stdout.split()[-2:]
    return served, int(pk), session_id
