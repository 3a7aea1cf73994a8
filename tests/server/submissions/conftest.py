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
