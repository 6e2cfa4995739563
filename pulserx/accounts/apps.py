from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pulserx.accounts"
    label = "accounts"

    def ready(self) -> None:
        from pulserx.accounts import checks  # noqa: F401  (registers system checks)
