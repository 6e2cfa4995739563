from django.contrib import admin
from django.urls import include, path

admin.autodiscover()

urlpatterns = [
    path("", include("pulserx.web.urls")),
    path("accounts/tokens/", include("pulserx.api.token_urls")),
    path("accounts/", include("pulserx.accounts.urls")),
    path("api/v1/", include("pulserx.api.urls")),
    path("calendar/", include("pulserx.api.ical_urls")),
    path("", include("pulserx.ops.urls")),
    path("", include("pulserx.notifications.urls")),
    path("admin/", admin.site.urls),
]
