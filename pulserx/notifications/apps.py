from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pulserx.notifications"
    label = "notifications"

    def ready(self) -> None:
        from pulserx.notifications import sessions  # noqa: F401  (connects the receivers)
