from django.urls import path

from pulserx.web import views

urlpatterns = [
    path("", views.today, name="today"),
]
