from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_headers
from django.views.i18n import JavaScriptCatalog

admin.autodiscover()

# The pages' scripts' words, in the request's language (language cookie, else the browser's
# Accept-Language): an hour's copy per language, not a new catalog on every page.
javascript_catalog = cache_control(public=True, max_age=60 * 60)(
    vary_on_headers("Accept-Language", "Cookie")(JavaScriptCatalog.as_view()))

urlpatterns = [
    path("", include("pulserx.web.urls")),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/tokens/", include("pulserx.api.token_urls")),
    path("accounts/", include("pulserx.accounts.urls")),
    path("api/v1/", include("pulserx.api.urls")),
    path("calendar/", include("pulserx.api.ical_urls")),
    path("", include("pulserx.ops.urls")),
    path("", include("pulserx.notifications.urls")),
    path("admin/", admin.site.urls),
]
