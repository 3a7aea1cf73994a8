"""The web session's checks, over real HTTP: each failure is one WebError naming the method,
URL and status (or the page's error message); CSRF tokens come from the answers' cookies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spec_server import SpecServer

from opencrds.tools.submit.session import WebError, WebSession


@pytest.fixture
def session() -> Iterator[tuple[SpecServer, WebSession]]:
    with SpecServer() as server, WebSession(server.url + "/") as web:
        yield server, web


def test_no_connection_names_the_url() -> None:
    with WebSession("http://127.0.0.1:9") as web, pytest.raises(WebError) as error:
        web.get("/upload/list/")
    assert str(error.value).startswith("GET http://127.0.0.1:9/upload/list/ failed: Connect")


def test_a_status_names_url_and_status(session: tuple[SpecServer, WebSession]) -> None:
    server, web = session
    with pytest.raises(WebError) as error:
        web.get("/upload/list/")  # not logged in
    assert str(error.value) == f"GET {server.url}/upload/list/ failed: HTTP 403 Forbidden"


def test_an_error_page_is_an_error_and_unchecked_requests_pass(
        session: tuple[SpecServer, WebSession]) -> None:
    server, web = session
    token = web.csrf_token(web.get("/login/"))
    data = {"username": "jo", "password": "wrong", "csrfmiddlewaretoken": token}
    with pytest.raises(WebError) as error:
        web.post("/login/", data=data)
    assert str(error.value) == f"POST {server.url}/login/: Invalid username or token."
    assert web.post("/login/", data=data, check=False).status_code == 200


def test_json_answers_pass_and_repost_adds_the_token(
        session: tuple[SpecServer, WebSession]) -> None:
    server, web = session
    assert web.json("/lock_status/jo/")["name"] == ""
    web.set_cookie("ASB-AUTH", "token-1")
    web.repost("/login/", {"username": "jo", "password": "token-1", "instrument": "none",
                           "next": "/"})
    login = server.requests[-1]
    assert login.fields["csrfmiddlewaretoken"] in server.tokens
    assert web.json("/upload/list/") == {"files": []}


def test_a_missing_csrf_cookie_is_an_error(session: tuple[SpecServer, WebSession]) -> None:
    server, web = session
    with pytest.raises(WebError, match="set no 'csrftoken' cookie"):
        web.csrf_token(web.get("/lock_status/jo/"))


def test_urls(session: tuple[SpecServer, WebSession]) -> None:
    server, web = session
    assert web.url("/a/") == web.url("a/") == f"{server.url}/a/"
    assert web.url("https://elsewhere/x") == "https://elsewhere/x"
