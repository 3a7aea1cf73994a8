"""Jpoll views: open a channel (logged-in users) and read one (whoever has its key)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from . import channels

#: The session entry holding the user's last opened channel (read by the submission forms).
SESSION_KEY = "jpoll_key"


def _json(payload: object, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, safe=False)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def open_channel(request: HttpRequest) -> HttpResponse:
    """A new channel's key as a bare JSON string (PROTOCOL.md §7.3 step 6). The key is also
    kept in the session (``jpoll_key``): crds's submission form does not send it, so the form
    view takes the channel from there."""
    if not request.user.is_authenticated:
        return _json({"error": "login required: log in at /login/ to open a channel"},
                     status=403)
    key = channels.open_channel(request.user)
    request.session[SESSION_KEY] = key
    return _json(key)


@require_safe
def pull_messages(request: HttpRequest, key: str) -> HttpResponse:
    """The messages of channel ``key`` after ``?since_id=N`` (default 0), as a JSON list of
    ``{"id", "type", "data"}`` with data as written (not HTML-escaped)."""
    text = request.GET.get("since_id", "0") or "0"
    if not text.isdigit() or len(text) > 19:
        return _json({"error": f"since_id must be a message id (an integer), got {text[:20]!r}"},
                     status=400)
    try:
        return _json(channels.pull(key, int(text)))
    except channels.UnknownChannel as exc:
        return _json({"error": str(exc)}, status=404)
