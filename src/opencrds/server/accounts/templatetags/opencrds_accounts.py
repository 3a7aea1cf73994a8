"""``{% page_chrome as chrome %}``: what every page's header shows (observatory, user, lock)."""

from __future__ import annotations

import math
import os
from typing import Any

from django import template

import opencrds
from opencrds.rules.errors import CrdsError

from .. import locks, roles, served

register = template.Library()


@register.simple_tag(takes_context=True)
def page_chrome(context: template.Context) -> dict[str, Any]:
    """``observatory``, ``user`` (None when anonymous), ``lock``, ``time_remaining`` and
    ``seconds_remaining`` (of the lock), ``is_operator``, ``is_admin``, ``stage`` (the badge
    beside the title, from ``OPENCRDS_STAGE``) and ``version``."""
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        observatory = served.observatory()
    except CrdsError:
        observatory = ""
    chrome: dict[str, Any] = {"observatory": observatory, "user": None, "lock": None,
                              "time_remaining": "", "seconds_remaining": 0,
                              "is_operator": False, "is_admin": False,
                              "stage": os.environ.get("OPENCRDS_STAGE", ""),
                              "version": opencrds.__version__}
    if user is not None and user.is_authenticated:
        lock = locks.current_lock(user)
        remaining = locks.time_remaining(lock) if lock else None
        chrome.update(user=user, lock=lock, is_operator=roles.is_operator(user),
                      is_admin=roles.is_admin(user),
                      time_remaining=locks.format_remaining(remaining) if lock else "",
                      seconds_remaining=max(0, math.ceil(remaining.total_seconds()))
                      if remaining is not None else 0)
    return chrome
