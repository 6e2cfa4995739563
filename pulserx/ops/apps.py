from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "pulserx.ops"
    label = "ops"
