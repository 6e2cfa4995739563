from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "pulserx.api"
    label = "api"
