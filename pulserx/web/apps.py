from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pulserx.web"
    label = "web"
