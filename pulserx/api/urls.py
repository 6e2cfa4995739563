from django.urls import path

from pulserx.api.endpoints import api

urlpatterns = [path("", api.urls)]
