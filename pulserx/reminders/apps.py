from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "pulserx.reminders"
    label = "reminders"

    def ready(self) -> None:
        from pulserx.reminders import stock  # noqa: F401 - connects the stock-count receivers
