from django.apps import AppConfig


class RpcConfig(AppConfig):
    name = "opencrds.server.rpc"
    label = "rpc"
    verbose_name = "CRDS JSON-RPC and downloads"
