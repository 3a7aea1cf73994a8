from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "opencrds.server.operations"
    label = "operations"
    verbose_name = "Operator actions"
