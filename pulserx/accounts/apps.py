from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pulserx.accounts"
    label = "accounts"
