"""Friendly 400, 403, 404 and 500 pages in the site's chrome (``handler*`` in the root URLconf).

The 500 page renders without the database or the request context, so it still shows when
what failed is the database itself.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader


def _page(request: HttpRequest, status: int, title: str, explanation: str) -> HttpResponse:
    return render(request, "web/error.html",
                  {"status": status, "title": title, "explanation": explanation}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, "Bad request", "The server could not understand this request.")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return _page(request, 403, "Not allowed",
                 reason or "Your account may not open this page. Log in with an account that "
                 "may, or go back to the home page.")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "Not found",
                 f"There is nothing at {request.path}. Browse the database or the context "
                 "history to find a file or context.")


def server_error(request: HttpRequest) -> HttpResponse:
    html = loader.get_template("web/500.html").render({})
    return HttpResponse(html, status=500)
