from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pulserx.web.urls")),
    path("accounts/", include("pulserx.accounts.urls")),
    path("api/v1/", include("pulserx.api.urls")),
    path("", include("pulserx.ops.urls")),
    path("admin/", admin.site.urls),
]
