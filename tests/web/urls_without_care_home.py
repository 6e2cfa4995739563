"""The site's URLs as they would be without the caregiver home page."""

from django.urls import include, path

from pulserx.accounts import urls as account_urls

urlpatterns = [
    path("", include("pulserx.web.urls")),
    path("accounts/", include([p for p in account_urls.urlpatterns
                               if getattr(p, "name", None) != "care_home"])),
]
