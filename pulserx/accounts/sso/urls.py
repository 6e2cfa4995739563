"""Single sign-on URLs, under /accounts/sso/. A provider's redirect URI is
<SITE_URL>/accounts/sso/<name>/callback/."""

from django.urls import path

from pulserx.accounts.sso import views

urlpatterns = [
    path("finish/", views.finish, name="sso_finish"),
    path("linked/<int:identity_id>/unlink/", views.unlink, name="sso_unlink"),
    path("<slug:name>/", views.start, name="sso_start"),
    path("<slug:name>/callback/", views.callback, name="sso_callback"),
]
