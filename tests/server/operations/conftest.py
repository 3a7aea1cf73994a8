"""Fixtures of the operator-action tests: the real JWST catalog (tests/server/shared_catalog.py)
on each database backend, with the server's per-revision caches emptied around each test (its
writes are rolled back, so a revision number may come back with another catalog behind it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def jwst(backend: str, database: str, db: None, settings) -> Iterator[str]:  # noqa: ANN001
    """The JWST catalog served, on one backend; ``"jwst"``."""
    from inprocess import forget_server_caches

    settings.OPENCRDS_OBSERVATORY = "jwst"
    forget_server_caches()
    yield "jwst"
    forget_server_caches()


@pytest.fixture
def operator(jwst: str):  # noqa: ANN201
    """A user with the ``accounts.operate_catalog`` permission (not a superuser)."""
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("olivia", "olivia@example.org", "operator-password")
    user.user_permissions.add(Permission.objects.get(codename="operate_catalog",
                                                     content_type__app_label="accounts"))
    return user


@pytest.fixture
def submitter(jwst: str):  # noqa: ANN201
    """A logged-in user without operator rights."""
    from django.contrib.auth.models import User

    return User.objects.create_user("sam", "sam@example.org", "submitter-password")
