from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "pulserx.reminders"
    label = "reminders"
