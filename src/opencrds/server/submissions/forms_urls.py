"""Submission forms, review, confirm and progress URLs (CRDS's paths, SERVER.md §1.10–§1.20)."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("batch_submit_references/", views.batch_submit_references,
         name="batch-submit-references"),
    path("submission_form/redcat_submit/", views.redcat_submit, name="redcat-submit"),
    path("submission_form/redcat_description.yml", views.redcat_description,
         name="redcat-description"),
    path("submit/reference/", views.submit_references, name="submit-references"),
    path("submit/mapping/", views.submit_mappings, name="submit-mappings"),
    path("add_existing/reference/", views.add_references, name="add-references"),
    path("delete/reference/", views.delete_references, name="delete-references"),
    path("certify/", views.certify_files, name="certify-files"),
    re_path(r"^display_result/(?P<result_id>[0-9a-fA-F-]{32,36})/?$", views.display_result,
            name="display-result"),
    re_path(r"^authenticated_result/(?P<result_id>[0-9a-fA-F-]{32,36})/?$",
            views.authenticated_result, name="authenticated-result"),
    re_path(r"^monitor/(?P<result_id>[0-9a-fA-F-]{32,36})/?$", views.monitor, name="monitor"),
    path("submit_confirm/", views.submit_confirm, name="submit-confirm"),
    path("submit_confirm_pipeline/", views.submit_confirm, name="submit-confirm-pipeline"),
]

# /difference/ is routed by the web app (opencrds.server.web.bestrefs.urls): a GET naming two
# files is the public difference page; the form and its POST are views.difference_files.
