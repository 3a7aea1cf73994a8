"""The friendly error pages: 400, 403, 404 and 500 in the site's chrome, each saying what to
do next; the 500 page renders without the database."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

pytestmark = [pytest.mark.shared_data]
SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


@SQLITE
def test_an_unknown_url_gets_the_404_page_in_the_chrome(server) -> None:  # noqa: ANN001
    response = server.get("/no/such/page/")
    assert response.status_code == 404
    page = response.text
    assert '<header class="chrome">' in page and "<h1><span class=\"status-code\">404</span>" in page
    assert "There is nothing at /no/such/page/" in page
    assert '<a href="/browse_db/">' in page


@SQLITE
def test_a_refused_page_gets_the_403_page(server) -> None:  # noqa: ANN001
    response = Client().post("/set_default_context/")  # no CSRF token, no login
    assert response.status_code == 403
    assert '<header class="chrome">' in response.content.decode()


@SQLITE
def test_a_request_for_another_host_gets_the_400_page(server) -> None:  # noqa: ANN001
    response = Client(HTTP_HOST="not-this-server.example").get("/")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_the_500_page_needs_no_database(django_db_blocker) -> None:  # noqa: ANN001
    from opencrds.server import urls
    from opencrds.server.web import errors

    assert urls.handler500 == "opencrds.server.web.errors.server_error"
    with django_db_blocker.block():  # any query would raise here
        response = errors.server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    assert "Something went wrong on the server" in response.content.decode()
