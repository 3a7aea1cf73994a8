from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opencrds.server.accounts"
    label = "accounts"
    verbose_name = "Accounts, tokens and instrument locks"
