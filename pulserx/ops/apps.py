from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "pulserx.ops"
    label = "ops"

    def ready(self) -> None:
        from pulserx.ops import checks  # noqa: F401  (registers system checks)
