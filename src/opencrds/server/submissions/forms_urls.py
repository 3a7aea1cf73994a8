"""Submission form, review and confirm URLs (filled in by their owner)."""

urlpatterns: list = []
