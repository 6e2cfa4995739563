from django.apps import AppConfig
from django.conf import settings


class WebConfig(AppConfig):
    name = "pulserx.web"
    label = "web"

    def ready(self) -> None:
        from pulserx.catalogs import compile_catalogs

        for root in settings.LOCALE_PATHS:
            compile_catalogs(root)
