from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pulserx.notifications"
    label = "notifications"

    def ready(self) -> None:
        from pulserx.notifications import sessions  # noqa: F401  (connects its receivers)
        from pulserx.notifications.inbox import alert_caregivers_of_override, mark_dose_read
        from pulserx.notifications.tasks import dose_state_changed
        from pulserx.reminders.signals import dose_recorded, limit_overridden

        dose_recorded.connect(mark_dose_read, dispatch_uid="pulserx.notifications.read")
        dose_recorded.connect(dose_state_changed, dispatch_uid="pulserx.notifications.mqtt")
        from pulserx.notifications.withdraw import withdraw_on_record

        dose_recorded.connect(withdraw_on_record, dispatch_uid="pulserx.notifications.withdraw")
        limit_overridden.connect(alert_caregivers_of_override,
                                 dispatch_uid="pulserx.notifications.override")
