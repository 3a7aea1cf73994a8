"""Users of the browser tests on a running server, and browser logins as them.

Each xdist worker has users of its own (``browser-<role>-<worker>``), so that two workers never
take each other's instrument lock: a submitter (every instrument), an operator and an admin
(superuser). They are added once per server and worker by one ``opencrds manage shell`` run;
each role logs in once per worker through the login form, and its cookies are reused by the
browser contexts of later tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

PASSWORD = "browser tests' own password 7"
ROLES = ("submitter", "operator", "admin")
#: The instruments a submitter locks when logging in, per observatory: one per worker (an
#: instrument is locked by one user at a time).
LOCKABLE = {"jwst": ("niriss", "miri", "nircam", "fgs", "nirspec"),
            "hst": ("cos", "acs", "stis", "wfc3", "nicmos")}

ADD_USERS = """
from opencrds.server.accounts import services
obs, password = {observatory!r}, {password!r}
services.add_user({submitter!r}, "submitter@example.org", obs, password=password,
                  all_instruments=True)
services.add_user({operator!r}, "operator@example.org", obs, password=password, operator=True)
admin, _ = services.add_user({admin!r}, "admin@example.org", obs, password=password,
                             operator=True, all_instruments=True)
admin.is_staff = admin.is_superuser = True
admin.save()
print("users ready")
"""


def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def username(role: str) -> str:
    return f"browser-{role}-{worker()}"


def locked_instrument(observatory: str) -> str:
    """The instrument this worker's submitter locks."""
    number = int(worker().removeprefix("gw")) if worker().startswith("gw") else 0
    choices = LOCKABLE[observatory]
    return choices[number % len(choices)]


def log_in(page: Any, base_url: str, user: str, password: str, instrument: str) -> None:
    """Log in through the login form (the field names ``crds submit`` posts too)."""
    page.goto(f"{base_url}/login/")
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(password)
    page.locator("select[name=instrument]").select_option(instrument)
    submit = page.locator("#login_button, form[action='/login/'] button[type=submit]").first
    with page.expect_navigation(wait_until="load"):
        submit.click()
    if page.locator("#error_message").count():
        raise AssertionError(f"login as {user} refused: "
                             + page.locator("#error_message").inner_text())


class SiteUsers:
    """This worker's users on each server, and their logged-in browser state."""

    def __init__(self) -> None:
        self._ready: set[str] = set()
        self._states: dict[tuple[str, str], dict[str, Any]] = {}

    def ensure(self, server: Any) -> None:
        if server.url in self._ready:
            return
        script = ADD_USERS.format(observatory=server.observatory, password=PASSWORD,
                                  **{role: username(role) for role in ROLES})
        done = server.manage("shell", "-c", script, check=False)
        assert "users ready" in done.stdout, done.stdout + done.stderr
        self._ready.add(server.url)

    def storage_state(self, server: Any, role: str | None,
                      new_context: Callable[[], Any]) -> dict[str, Any] | None:
        """The cookies of a context logged in as ``role`` (None: anonymous)."""
        if role is None:
            return None
        key = (server.url, role)
        if key not in self._states:
            self.ensure(server)
            instrument = locked_instrument(server.observatory) if role == "submitter" else "none"
            context = new_context()
            try:
                log_in(context.new_page(), server.url, username(role), PASSWORD, instrument)
                self._states[key] = context.storage_state()
            finally:
                context.close()
        return self._states[key]
