"""``{% page_chrome as chrome %}``: what every page's header shows (observatory, user, lock)."""

from __future__ import annotations

from typing import Any

from django import template

from opencrds.rules.errors import CrdsError

from .. import locks, roles, served

register = template.Library()


@register.simple_tag(takes_context=True)
def page_chrome(context: template.Context) -> dict[str, Any]:
    """``observatory``, ``user`` (None when anonymous), ``lock`` and ``time_remaining`` (of
    the lock), ``is_operator``."""
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        observatory = served.observatory()
    except CrdsError:
        observatory = ""
    chrome: dict[str, Any] = {"observatory": observatory, "user": None, "lock": None,
                              "time_remaining": "", "is_operator": False}
    if user is not None and user.is_authenticated:
        lock = locks.current_lock(user)
        chrome.update(user=user, lock=lock, is_operator=roles.is_operator(user),
                      time_remaining=locks.format_remaining(locks.time_remaining(lock))
                      if lock else "")
    return chrome
