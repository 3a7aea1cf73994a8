"""URLs of the pages over past submissions and deliveries (:mod:`.pages`)."""

from django.urls import path, re_path

from . import pages

urlpatterns = [
    path("delivery_status/", pages.delivery_status, name="delivery-status"),
    path("submission_history/", pages.submission_history, name="submission-history"),
    re_path(r"^submission_history/(?P<submission_id>[0-9a-fA-F-]{32,36})/?$",
            pages.submission_detail, name="submission-detail"),
    path("old_results/", pages.old_results, name="old-results"),
]
