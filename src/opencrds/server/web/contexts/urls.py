"""URLs of the home page and the context pages (CRDS's own paths)."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^context_table/(?P<pmap>[\w.\-]+)/?$", views.context_table,
            name="context-table"),
    path("context_table/<str:pmap>/<str:instrument>/", views.context_table_instrument,
         name="context-table-instrument"),
    path("display_context_history/", views.display_context_history, name="context-history"),
    path("display_all_contexts/", views.display_all_contexts, name="all-contexts"),
    path("display_build_contexts/", views.display_build_contexts, name="build-contexts"),
    path("recent_activity_input/", views.recent_activity, name="recent-activity"),
    path("version_info/", views.version_info, name="version-info"),
    path("docs/cmdline_bestrefs/", views.cmdline_bestrefs, name="cmdline-bestrefs"),
]
