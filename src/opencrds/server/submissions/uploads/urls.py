"""Upload area URLs (SERVER.md §1.12): ``/upload/new/`` (browser widget), ``/upload/chunked/``
(crds), ``/upload/list/`` and ``/upload/delete/<name>``."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("upload/new/", views.upload, name="upload-new"),
    path("upload/chunked/", views.upload, name="upload-chunked"),
    path("upload/list/", views.upload_list, name="upload-list"),
    re_path(r"^upload/delete/(?P<name>.+)$", views.upload_delete, name="upload-delete"),
]
