from django.urls import path

from pulserx.notifications import views

urlpatterns = [
    path("push/key", views.push_key, name="push-key"),
    path("push/subscriptions", views.push_subscriptions, name="push-subscriptions"),
    path("push/action", views.push_action, name="push-action"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path("email/dose/<str:token>/", views.email_dose_action, name="email-dose-action"),
]
