from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pulserx.notifications"
    label = "notifications"

    def ready(self) -> None:
        from pulserx.notifications import sessions  # noqa: F401  (connects its receivers)
        from pulserx.notifications.inbox import mark_dose_read
        from pulserx.reminders.signals import dose_recorded

        dose_recorded.connect(mark_dose_read, dispatch_uid="pulserx.notifications.read")
