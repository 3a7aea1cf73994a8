from django.apps import AppConfig


class RpcConfig(AppConfig):
    name = "opencrds.server.rpc"
    label = "rpc"
    verbose_name = "CRDS JSON-RPC and downloads"

    def ready(self) -> None:
        from . import methods  # noqa: F401  (registers the JSON-RPC methods)
