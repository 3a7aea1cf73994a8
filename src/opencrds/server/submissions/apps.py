from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "opencrds.server.submissions"
    label = "submissions"
    verbose_name = "Submissions and deliveries"

    def ready(self) -> None:
        from .services import connect_signals

        connect_signals()  # a released instrument lock cancels the user's open submissions
