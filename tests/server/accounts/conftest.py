"""Fixtures of the accounts tests: the HST server in-process (Django test client on each
database backend, with the real shared catalog), users made through the account services, and
a login as ``crds submit`` does it (GET the form for its CSRF cookie, POST it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from accounts_helpers import PASSWORD


@pytest.fixture
def site(backend: str, database: str, db: None, settings: Any) -> Iterator[None]:
    """The HST server of the test database (its catalog holds the real HST cache)."""
    settings.OPENCRDS_OBSERVATORY = "hst"
    yield


@pytest.fixture
def make_user(site: None) -> Callable[..., Any]:
    """``make_user(name, *instruments, operator=False, password=PASSWORD)``."""
    from opencrds.server.accounts import services

    def make(name: str, *instruments: str, operator: bool = False,
             password: str | None = PASSWORD) -> Any:
        user, _ = services.add_user(name, f"{name}@example.org", "hst", password=password,
                                    instruments=instruments, operator=operator)
        return user

    return make


@pytest.fixture
def released(site: None) -> Iterator[list[tuple[str, str]]]:
    """The (username, reason) of every lock_released signal sent during the test."""
    from opencrds.server.accounts.signals import lock_released

    seen: list[tuple[str, str]] = []

    def receiver(sender: Any, user: Any, reason: str, **kwargs: Any) -> None:
        seen.append((user.get_username(), reason))

    lock_released.connect(receiver, weak=False)
    yield seen
    lock_released.disconnect(receiver)
