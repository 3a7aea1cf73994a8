"""Submission URLs: upload area, jpoll channels, submission forms, review and confirm,
delivery status, submission history and old results."""

from django.urls import include, path

urlpatterns = [
    path("", include("opencrds.server.submissions.uploads.urls")),
    path("", include("opencrds.server.submissions.jpoll.urls")),
    path("", include("opencrds.server.submissions.forms_urls")),
    path("", include("opencrds.server.submissions.pages_urls")),
]
