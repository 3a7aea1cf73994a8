"""URLs of the bestrefs pages."""

urlpatterns: list = []
