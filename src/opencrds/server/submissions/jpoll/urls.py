"""Jpoll URLs: ``/jpoll/open_channel`` (crds asks without the trailing slash) and
``/jpoll/pull_messages/<key>/?since_id=N`` (the progress page)."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^jpoll/open_channel/?$", views.open_channel, name="jpoll-open-channel"),
    re_path(r"^jpoll/pull_messages/(?P<key>[^/]+)/?$", views.pull_messages,
            name="jpoll-pull-messages"),
]
