from django.urls import path

from pulserx.ops import views

urlpatterns = [path("healthz", views.healthz, name="healthz")]
