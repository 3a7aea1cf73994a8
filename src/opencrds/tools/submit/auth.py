"""Log in and out of the submission web site (PROTOCOL.md §7.3 step 4, §7.3 step 14, §8):
the lock status check, the ``ASB-AUTH`` cookie, the CSRF-protected login form, logout."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from .credentials import Credentials
from .pages import page_title
from .session import WebError, WebSession

log = logging.getLogger("opencrds")

#: The title of the single-sign-on page a failed login lands on.
SSO_TITLE = "MyST SSO Portal"


def lock_status(session: WebSession, username: str) -> dict[str, Any]:
    """``GET /lock_status/<user>/``: ``{"name": instrument or '', "type", "user",
    "is_expired", "time_remaining", "created_on", "status"}``."""
    status = session.json(f"/lock_status/{quote(username, safe='')}/")
    if not isinstance(status, dict) or "name" not in status:
        raise WebError(f"GET {session.url(f'/lock_status/{username}/')} answered no lock "
                       f"status (no 'name' key): {str(status)[:200]!r}")
    return status


def check_existing_lock(status: dict[str, Any], instrument: str) -> None:
    """Report a lock the user already holds. As crds does, it is not an error: the login
    renews a lock on the same instrument; a lock on another instrument is warned about."""
    held = status.get("name")
    if not held:
        return
    remaining = status.get("time_remaining", "?")
    if instrument in ("none", str(held)):
        log.info("User '%s' already holds the lock on %s '%s' (%s remaining).",
                 status.get("user", "?"), status.get("type", "instrument"), held, remaining)
    else:
        log.warning("User '%s' already holds the lock on %s '%s' (%s remaining), not on "
                    "'%s' of these files.", status.get("user", "?"),
                    status.get("type", "instrument"), held, remaining, instrument)


def login(session: WebSession, creds: Credentials, instrument: str) -> None:
    """Check the lock, then log in locking ``instrument`` ("none" for no lock).

    WebError with the server's message when the login is refused."""
    check_existing_lock(lock_status(session, creds.username), instrument)
    session.set_cookie("ASB-AUTH", creds.password)
    try:
        response = session.repost("/login/", {"username": creds.username,
                                               "password": creds.password,
                                               "instrument": instrument, "next": "/"})
    except WebError as exc:
        raise WebError(f"Login as '{creds.username}' failed: {exc}") from None
    if page_title(response.text) == SSO_TITLE:
        raise WebError(f"Login as '{creds.username}' failed: redirected to the SSO portal "
                       f"at {response.url}")
    log.info("Logged in as '%s' (instrument %s).", creds.username, instrument)


def logout(session: WebSession) -> None:
    """``GET /logout/``: end the session and release the instrument lock."""
    session.get("/logout/")
    log.info("Logged out.")
