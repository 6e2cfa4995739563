from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pulserx.notifications"
    label = "notifications"
