"""URLs of the contexts pages."""

urlpatterns: list = []
