"""Submission URLs: upload area, jpoll channels, submission forms, review and confirm."""

from django.urls import include, path

urlpatterns = [
    path("", include("opencrds.server.submissions.uploads.urls")),
    path("", include("opencrds.server.submissions.jpoll.urls")),
    path("", include("opencrds.server.submissions.forms_urls")),
]
