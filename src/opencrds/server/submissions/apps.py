from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "opencrds.server.submissions"
    label = "submissions"
    verbose_name = "Submissions and deliveries"
