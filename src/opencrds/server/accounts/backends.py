"""Authentication backends (filled in by the accounts work)."""

from django.contrib.auth.backends import ModelBackend


class PasswordOrTokenBackend(ModelBackend):
    """A user's password or one of their API tokens."""
