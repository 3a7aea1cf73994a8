"""Helpers of the accounts tests: a login as ``crds submit`` does it, the page's error."""

from __future__ import annotations

from typing import Any

from django.test import Client

PASSWORD = "correct horse battery staple 42"


def log_in(client: Client, username: str, password: str = PASSWORD, instrument: str = "none",
           next: str = "/", **extra: Any) -> Any:
    """GET /login/ then POST it with the CSRF token of the cookie; the POST's response."""
    form = client.get("/login/")
    assert form.status_code == 200
    token = form.cookies["csrftoken"].value
    return client.post("/login/", {"username": username, "password": password,
                                   "instrument": instrument, "next": next,
                                   "csrfmiddlewaretoken": token}, **extra)


def error_message(response: Any) -> str:
    """The text of the page's ``error_message`` div ("" when there is none)."""
    from bs4 import BeautifulSoup

    div = BeautifulSoup(response.content, "html.parser").find("div", id="error_message")
    return div.get_text(strip=True) if div else ""
