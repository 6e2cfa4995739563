from django.urls import path

from pulserx.api import token_pages

urlpatterns = [
    path("", token_pages.create_token, name="api_token_create"),
    path("<int:token_id>/revoke/", token_pages.revoke_token, name="api_token_revoke"),
]
